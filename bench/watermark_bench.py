"""`make bench` entry for the watermark part: every watermark bench, then the markdown tables.

    .venv/bin/python bench/watermark_bench.py --out bench/out

The transformer tier runs only when torch is installed (the `bench` extra: torch==2.13.0).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = ["detection", "speed", "radioactivity", "attacks", "transformer"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    failed = []
    for step in STEPS:
        if step == "transformer" and importlib.util.find_spec("torch") is None:
            print(
                "skipping the transformer tier: torch is not installed (pip install torch==2.13.0)",
                flush=True,
            )
            continue
        script = HERE / f"watermark_{step}.py"
        target = args.out / f"watermark_{step}.json"
        print(f"== {script.name}", flush=True)
        step_env = env if step != "transformer" else dict(os.environ)
        if subprocess.run([sys.executable, str(script), "--out", str(target)], env=step_env).returncode:
            failed.append(script.name)
    subprocess.run([sys.executable, str(HERE / "watermark_report.py"), "--out", str(args.out)], check=False)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
