"""End-to-end PSI between two labs on this machine: two `aisac forum psi` processes through one hub.

    cd bench && PYTHONPATH=../src ../.venv/bin/python forum_psi.py --items 100000

Reports wall time from launch to both results, the per-operation cost of the group arithmetic, peak memory
(resident set of each side's process tree, pool workers included, and of the hub), bytes on the wire as
counted by the clients (HTTP bodies, both directions, both sides), and the load average around the run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import rbcl

from hub_common import OUT, bench_hub


def per_op_us(n: int = 3000) -> dict[str, float]:
    """Microseconds per hash-to-group + exponentiation, and per exponentiation of a received element."""
    scalar = rbcl.crypto_core_ristretto255_scalar_random()
    digests = [hashlib.sha512(i.to_bytes(8, "big")).digest() for i in range(n)]
    t = time.perf_counter()
    points = [rbcl.crypto_scalarmult_ristretto255(scalar, rbcl.crypto_core_ristretto255_from_hash(d)) for d in digests]
    blind = (time.perf_counter() - t) / n * 1e6
    t = time.perf_counter()
    for p in points:
        rbcl.crypto_scalarmult_ristretto255(scalar, p)
    return {"hash_and_blind_us": round(blind, 1), "reblind_us": round((time.perf_counter() - t) / n * 1e6, 1)}


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            continue
    return out


def _rss_kib(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(found.group(1)) if found else 0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000, help="Identifiers per side.")
    parser.add_argument("--overlap", type=float, default=0.1, help="Share of each side in the intersection.")
    args = parser.parse_args()
    n, common = args.items, int(args.items * args.overlap)
    ops = per_op_us()
    with tempfile.TemporaryDirectory() as tmp, bench_hub(Path(tmp), labs=2) as (process, members, _engine):
        work = Path(tmp)
        (work / "a.txt").write_text("".join(f"user{i}@corp{i % 97}.example\n" for i in range(n)))
        (work / "b.txt").write_text(
            "".join(f"User{i}@Corp{i % 97}.example\n" for i in range(n - common, 2 * n - common))
        )
        procs = {}
        load_before = os.getloadavg()
        started = time.monotonic()
        for me, peer, side in (("lab0", "lab1", "a"), ("lab1", "lab0", "b")):
            env = dict(os.environ, AISAC_HUB_MEMBER=me, AISAC_HUB_KEY=members[me].key)
            cmd = [sys.executable, "-c", "from aisac.cli import main; main()", "forum", "psi", "--hub", process.url]
            cmd += ["--with", peer, "--kind", "email", "--items", str(work / f"{side}.txt")]
            cmd += ["--out", str(work / f"{side}.out"), "--timeout", "1200"]
            procs[side] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = {"a": 0, "b": 0, "hub": 0}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for side, proc in procs.items():
                    peak[side] = max(peak[side], _rss_kib(proc.pid))
                peak["hub"] = max(peak["hub"], _rss_kib(process.proc.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results = {side: proc.communicate() for side, proc in procs.items()}
        wall = time.monotonic() - started
        done.set()
        load_after = os.getloadavg()
        for side, (_out, err) in results.items():
            if procs[side].returncode:
                raise SystemExit(f"side {side} failed: {err}")
        wire = [re.search(r"(\d+) bytes over (\d+) requests in ([\d.]+)s", out) for out, _ in results.values()]
        found = [len((work / f"{s}.out").read_text().splitlines()) for s in ("a", "b")]
        report = {
            "items_per_side": n,
            "intersection_expected": common,
            "intersection_found": found,
            "wall_s": round(wall, 1),
            "protocol_s_per_side": [float(w.group(3)) for w in wire],
            "bytes_on_wire": sum(int(w.group(1)) for w in wire),
            "requests": sum(int(w.group(2)) for w in wire),
            "peak_rss_mib": {k: round(v / 1024, 1) for k, v in peak.items()},
            "per_op": ops,
            "loadavg_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
            "cpus": os.cpu_count(),
        }
    print(json.dumps(report, indent=2))
    OUT.mkdir(exist_ok=True)
    (OUT / f"forum_psi_{n}.json").write_text(json.dumps(report, indent=2))
    if found != [common, common]:
        raise SystemExit(f"wrong intersection: {found}, expected {common}")


if __name__ == "__main__":
    main()
