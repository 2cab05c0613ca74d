"""Foundation throughput: simulating ~1M records, and ingesting them as Parquet, JSON Lines and .jsonl.gz.

Each measurement runs in a fresh process so that its peak resident memory (ru_maxrss: Arrow and DuckDB
buffers included, which tracemalloc would miss) belongs to that step alone.

    python bench/foundation_bench.py --out bench/out [--scale 1.0] [--days 7] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _cpu_s() -> float:
    """CPU seconds of this process, all threads: a figure that other load on the machine disturbs less."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def simulate_step(work: Path, scale: float, days: int, seed: int) -> dict:
    """Generate the traffic (timed alone), then write it as Parquet (timed alone)."""
    from aisac.simulate.generator import simulate, write

    start = time.perf_counter()
    sim = simulate(days, seed, scale)
    generated = time.perf_counter() - start
    write(sim, work / "parquet", "parquet")
    total = time.perf_counter() - start
    return {
        "records": sim.log.num_rows,
        "accounts": sim.labels.num_rows,
        "generate_s": generated,
        "generate_and_write_s": total,
        "records_per_s": sim.log.num_rows / total,
    }


def convert_step(work: Path, fmt: str) -> dict:
    """Write the simulated log again in a JSON Lines container (setup for ingestion; timed for reference)."""
    import pyarrow.parquet as pq

    from aisac.logs import schema
    from aisac.logs.writer import time_columns_of, write_table

    target = work / fmt.replace(".", "_")
    target.mkdir(exist_ok=True)
    start = time.perf_counter()
    for src in sorted((work / "parquet" / "log").glob("*.parquet")):
        write_table(
            pq.read_table(src), target / src.name.replace(".parquet", f".{fmt}"), fmt, time_columns_of(schema.COLUMNS)
        )
    return {"write_s": time.perf_counter() - start}


def ingest_step(work: Path, fmt: str) -> dict:
    """read_log over the directory: every record checked and loaded into DuckDB."""
    from aisac.logs.reader import read_log

    where = work / "parquet" / "log" if fmt == "parquet" else work / fmt.replace(".", "_")
    size = sum(f.stat().st_size for f in where.iterdir())
    start = time.perf_counter()
    log = read_log([where])
    seconds = time.perf_counter() - start
    return {
        "records": log.records,
        "rejected": log.rejected,
        "seconds": seconds,
        "bytes": size,
        "records_per_s": log.records / seconds,
    }


STEPS = {"simulate": simulate_step, "convert": convert_step, "ingest": ingest_step}


def _child(step: str, *args: str) -> dict:
    """Run one step in a fresh interpreter and return its result with the process's peak RSS."""
    proc = subprocess.run([sys.executable, __file__, "--step", step, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="Scratch directory (default: a temporary one).")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:  # child process: one measurement, printed as JSON
        work, *extra = args.rest
        kwargs = (
            {"scale": args.scale, "days": args.days, "seed": args.seed}
            if args.step == "simulate"
            else {"fmt": extra[0]}
        )
        cpu = _cpu_s()
        result = STEPS[args.step](Path(work), **kwargs)
        print(json.dumps({**result, "cpu_s": _cpu_s() - cpu, "peak_rss_mib": _peak_mib()}))
        return
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        common = ["--scale", str(args.scale), "--days", str(args.days), "--seed", str(args.seed)]
        results: dict = {
            "params": {"scale": args.scale, "days": args.days, "seed": args.seed},
            "machine": {"python": platform.python_version(), "cpus": _cpus(), "load_average_at_start": os.getloadavg()},
        }
        results["simulate"] = _child("simulate", *common, tmp)
        print(f"simulate: {_line(results['simulate'])}", flush=True)
        for fmt in ("jsonl", "jsonl.gz"):
            results[f"write {fmt}"] = _child("convert", tmp, fmt)
        for fmt in ("parquet", "jsonl", "jsonl.gz"):
            results[f"ingest {fmt}"] = r = _child("ingest", tmp, fmt)
            print(f"ingest {fmt}: {_line(r)}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "foundation.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _line(r: dict) -> str:
    seconds = r.get("generate_and_write_s", r.get("seconds"))
    return (
        f"{r['records']:,} records in {seconds:.1f} s = {r['records_per_s']:,.0f} records/s "
        f"(CPU {r['cpu_s']:.1f} s), peak RSS {r['peak_rss_mib']:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
