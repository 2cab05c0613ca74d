"""The guard's hot path compiled with mypyc, used only when it was built from exactly these sources.

Why: `Guard.decide` runs inside the gateway's request path, and in CPython most of its cost is the
interpreter's, spread over a hundred small steps rather than one hot loop. mypyc compiles the same typed
source to a C extension (as mypy and black ship themselves), with no second implementation to keep in step.
`make` builds it into build/native/ (`scripts/build_native.py`); this module puts it in front of the source
when the build's digest matches the sources and the interpreter, so an edited module is never shadowed
by a stale binary. AISAC_NATIVE=0 turns it off; without a build (no C compiler) the source runs as is.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

#: The modules compiled: the request path from typed request to decision.
MODULES = ("guard", "links", "features", "template", "request", "clearance", "rules")
#: Where `make` puts the build: the repository's build/ folder (an editable install's source tree).
BUILD = Path(__file__).resolve().parents[3] / "build" / "native"
STAMP = "digest.txt"


def digest() -> str:
    """What a build must have been made from: the compiled sources and this interpreter's ABI."""
    h = hashlib.sha256(sys.implementation.cache_tag.encode())
    here = Path(__file__).parent
    for name in MODULES:
        h.update(name.encode() + b"\0" + (here / f"{name}.py").read_bytes())
    return h.hexdigest()


def activate(package_path: list[str]) -> str:
    """Put a matching build in front of `package_path` (the package's __path__); say which code runs."""
    if os.environ.get("AISAC_NATIVE", "1") == "0":
        return "source (AISAC_NATIVE=0)"
    stamp = BUILD / STAMP
    if not stamp.is_file():
        return "source (no native build; `make` builds one)"
    if stamp.read_text().strip() != digest():
        return "source (native build is stale; `make` rebuilds it)"
    package_path.insert(0, str(BUILD / "aisac" / "enforce"))
    if str(BUILD) not in sys.path:
        sys.path.append(str(BUILD))  # mypyc's shared runtime module lives at the build's top level
    return "native (mypyc)"
