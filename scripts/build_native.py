"""Compile the guard's hot path with mypyc into build/native/ (see aisac.enforce.native).

Run by `make`; rebuilds only when the sources changed. A failed build (no C compiler, a type error) is
reported and leaves the source in use: the project works the same, only slower.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from aisac.enforce import native

SRC = Path(__file__).resolve().parents[1] / "src"


def main() -> int:
    stamp = native.BUILD / native.STAMP
    want = native.digest()
    if stamp.is_file() and stamp.read_text().strip() == want:
        stamp.touch()  # up to date: tell make so
        return 0
    from mypyc.build import mypycify  # build-time only (the dev extra)
    from setuptools import setup

    t0 = time.perf_counter()
    shutil.rmtree(native.BUILD, ignore_errors=True)
    paths = [f"aisac/enforce/{m}.py" for m in native.MODULES]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path.cwd()
        try:
            os.chdir(SRC)  # module names come from paths relative to the source root
            extensions = mypycify(paths, opt_level="3", group_name="aisac_native", target_dir=f"{tmp}/c")
            setup(
                name="aisac-native",
                ext_modules=extensions,
                script_args=["-q", "build_ext", "--build-lib", str(native.BUILD), "--build-temp", f"{tmp}/o"],
            )
        except (Exception, SystemExit) as exc:  # any failure leaves the source in use
            shutil.rmtree(native.BUILD, ignore_errors=True)
            print(f"native build failed, the guard runs from source: {exc}", file=sys.stderr)
            return 0
        finally:
            os.chdir(cwd)
    stamp.write_text(want + "\n")
    print(f"native build: {len(paths)} modules compiled with mypyc in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
