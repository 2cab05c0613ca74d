"""Detector throughput on one core: tokens scored per second of process CPU time and of wall time.

    OMP_NUM_THREADS=1 .venv/bin/python bench/watermark_speed.py [--tokens 10000000]

CPU time is the fair single-core figure on a shared machine (numpy runs these kernels on one thread);
wall time is shown beside it. Each scheme detects one sequence of random token ids (vocabulary 1024),
including hashing, de-duplication (a sort) and the exact tail; best of three runs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from aisac.watermark.keys import generate_key
from aisac.watermark.schemes import scheme_for

CONFIGS = {
    "kgw h=1": ("kgw", {"context_width": 1}),
    "kgw h=4 self-hash": ("kgw", {"context_width": 4, "self_hash": True}),
    "gumbel h=4, 2 streams": ("gumbel", {"context_width": 4, "streams": 2}),
    "tournament h=4, m=30": ("tournament", {"context_width": 4, "layers": 30}),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/watermark_speed.json"))
    args = parser.parse_args()
    tokens = np.random.default_rng(0).integers(0, 1024, size=args.tokens)
    results = {}
    for label, (name, config) in CONFIGS.items():
        scheme = scheme_for(generate_key(name, **config))
        scheme.detect(tokens[:10_000])
        cpu, wall = [], []
        for _ in range(3):
            c0, w0 = time.process_time(), time.perf_counter()
            scheme.detect(tokens)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        results[label] = {
            "tokens": args.tokens,
            "per_cpu_s": args.tokens / min(cpu),
            "per_wall_s": args.tokens / min(wall),
        }
        print(label, json.dumps(results[label]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
