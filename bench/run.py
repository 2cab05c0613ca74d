"""`make bench`: run every `bench/*_bench.py` in its own process; each writes its results under bench/out/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    only = sys.argv[1:]
    failed = []
    for bench in sorted(HERE.glob("*_bench.py")):
        if only and not any(name in bench.stem for name in only):
            continue
        print(f"== {bench.name}", flush=True)
        if subprocess.run([sys.executable, str(bench), "--out", str(out)], check=False).returncode:
            failed.append(bench.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
