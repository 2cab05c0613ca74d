"""`make bench`: every benchmark in its own process; results go under bench/out/ (and docs/benchmarks.md).

.venv/bin/python bench/run.py              # all of them (tens of minutes)
.venv/bin/python bench/run.py hub detect   # those whose name contains a word
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

#: (script, arguments): each part's benchmarks, as recorded in docs/benchmarks.md.
BENCHES: list[tuple[str, list[str]]] = [
    ("foundation_bench.py", ["--out", str(OUT)]),
    ("detect_bench.py", ["quality", "evidence", "speed"]),
    ("hub_paging.py", ["--objects", "100000"]),
    ("hub_medallion.py", ["--objects", "5000"]),
    ("hub_concurrency.py", ["--writers", "10", "--readers", "10", "--seconds", "60"]),
    ("hub_scale.py", ["--objects", "10000000"]),  # PostgreSQL; ~20 GB under /tmp while it runs
    ("enforce_latency.py", ["--accounts", "100000", "--requests", "300000"]),
    ("enforce_http.py", ["--seconds", "10"]),  # needs wrk (Debian package)
    ("enforce_redis.py", ["--accounts", "20000", "--requests", "40000"]),  # needs redis-server
    ("enforce_instructions.py", ["--accounts", "10000", "--requests", "10000"]),  # needs valgrind
    ("enforce_replay.py", ["--seeds", "201", "202", "203"]),
    ("stream_consume.py", ["--scale", "1", "--days", "2"]),
    ("forum_correlate.py", ["--campaigns", "10000"]),
    ("forum_quality.py", ["--seeds", "1", "2", "3", "4", "5", "--scale", "0.1"]),
    ("watermark_bench.py", ["--out", str(OUT)]),  # the transformer tier runs when torch (the bench extra) is in
]


def main() -> int:
    OUT.mkdir(exist_ok=True)
    only = sys.argv[1:]
    failed = []
    for script, args in BENCHES:
        if only and not any(name in script for name in only):
            continue
        print(f"== {script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE, check=False).returncode:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
