"""The leaf format of the hub's transparency log, shared by the hub (which appends) and members (who audit).

A leaf is the canonical JSON (sorted keys, no spaces, UTF-8) of every stored field, so editing any column
changes the leaf hash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FIELDS = ("index", "at", "actor", "subject", "action", "target", "detail")


def leaf_data(leaf: Mapping[str, Any]) -> bytes:
    """The bytes a leaf hashes, from its served (JSON) form."""
    return json.dumps({f: leaf[f] for f in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
