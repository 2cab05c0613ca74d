"""Guard.decide latency with its shared state in Redis (several gateway processes), beside the memory state:
RedisState (one round trip per decide) and MirroredRedisState (local mirror kept current by pub/sub notes).

A real redis-server is started on a free port (as the tests do); the guard and redis-server are pinned to
one core each so that the round trip is a real cross-process one. Same synthetic traffic as
enforce_latency.py, fewer requests (each decide makes at least one round trip).

    .venv/bin/python bench/enforce_redis.py --accounts 20000 --requests 40000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from aisac.enforce import Guard
from aisac.enforce.request import from_mapping
from aisac.enforce.state import MemoryState, MirroredRedisState, RedisState, State
from enforce_http import free_port
from enforce_latency import make_requests, measure, summary, warm


def start_redis(port: int, core: int, workdir: str) -> subprocess.Popen:
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server is not installed (scripts/system-deps.sh)")
    cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir]
    proc = subprocess.Popen(["taskset", "-c", str(core), *cmd], stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            RedisState(f"redis://127.0.0.1:{port}/0").r.ping()
            return proc
        except Exception:
            time.sleep(0.05)
    proc.terminate()
    sys.exit("redis-server did not start")


def run(state: State, accounts: int, reqs: list) -> dict:
    guard = Guard(state=state)
    warm(guard, accounts)
    gc.collect()
    gc.freeze()
    t = time.perf_counter()
    res = summary(*measure(guard, reqs))
    res["decisions_per_s"] = round(len(reqs) / (time.perf_counter() - t))
    gc.unfreeze()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=40_000)
    ap.add_argument("--guard-core", type=int, default=1)
    ap.add_argument("--redis-core", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "enforce_redis.json"))
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.guard_core})
    reqs = [from_mapping(r) for r in make_requests(args.requests, args.accounts, random.Random(7), True)]
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        server = start_redis(port, args.redis_core, d)
        try:
            load = os.getloadavg()[0]
            url = f"redis://127.0.0.1:{port}/0"
            res = {
                "accounts": args.accounts,
                "guard_core": args.guard_core,
                "redis_core": args.redis_core,
                "memory": run(MemoryState(), args.accounts, reqs),
                "redis": run(RedisState(url, "bench:"), args.accounts, reqs),
                "redis_mirrored": run(MirroredRedisState(url, "mirror:"), args.accounts, reqs),
                "load_1min_before_after": [round(load, 2), round(os.getloadavg()[0], 2)],
            }
        finally:
            server.terminate()
            server.wait(10)
    print(json.dumps(res, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
