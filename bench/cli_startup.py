"""`aisac --help` start-up time: wall seconds over repeated fresh processes (the target is <= 0.3 s).

.venv/bin/python bench/cli_startup.py [--runs 20] [--command "aisac --help"]
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--command", default=f"{Path(sys.executable).parent / 'aisac'} --help")
    args = parser.parse_args()
    argv = shlex.split(args.command)
    subprocess.run(argv, check=True, capture_output=True)  # warm the file cache
    wall = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        wall.append(time.perf_counter() - start)
    print(json.dumps({"command": args.command, "runs": args.runs, "median_s": round(statistics.median(wall), 4),
                      "min_s": round(min(wall), 4), "max_s": round(max(wall), 4)}))


if __name__ == "__main__":
    main()
