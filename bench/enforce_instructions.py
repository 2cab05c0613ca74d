"""Instructions per Guard.decide, counted by valgrind (callgrind): a cost that the machine's load cannot
move, for comparing two versions of the guard on a shared machine where timings swing with other jobs.

Two runs under callgrind with the same seed and hash seed: warm-up only, and warm-up then K typed synthetic
requests (the enforce_latency.py mix); the difference divided by K is the cost of one decide. `--src` points
at another checkout's `src` (e.g. a `git archive` of the commit before) to count that version instead.

    .venv/bin/python bench/enforce_instructions.py --accounts 10000 --requests 10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def workload(accounts: int, requests: int) -> None:
    """What runs under callgrind (the guard imported from PYTHONPATH when given)."""
    sys.path.insert(0, str(HERE))
    from aisac.enforce import Guard
    from aisac.enforce.request import from_mapping
    from enforce_latency import make_requests, warm

    guard = Guard()
    warm(guard, accounts)
    reqs = [from_mapping(r) for r in make_requests(max(requests, 1), accounts, random.Random(7), True)]
    for r in reqs[:requests]:
        guard.decide(r)


def instructions(src: str | None, accounts: int, requests: int) -> int:
    """Instructions the whole process executed (callgrind's total)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    if src:
        env["PYTHONPATH"] = src
    with tempfile.TemporaryDirectory() as d:
        tool = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/cg.out"]
        out = subprocess.run(
            [*tool, sys.executable, __file__, "--run", str(accounts), str(requests)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--src", default=None, help="another checkout's src directory to count instead")
    ap.add_argument("--run", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(HERE / "out" / "enforce_instructions.json"))
    args = ap.parse_args()
    if args.run:
        workload(*args.run)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    base = instructions(args.src, args.accounts, 0)
    full = instructions(args.src, args.accounts, args.requests)
    res = {
        "src": args.src or "this checkout",
        "accounts": args.accounts,
        "requests": args.requests,
        "instructions_per_decide": round((full - base) / args.requests),
    }
    print(json.dumps(res, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
