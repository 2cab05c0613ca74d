"""Consumer throughput: a simulated log published to a local tansu broker, decided by one `consume` process.

    .venv/bin/python bench/stream_consume.py --scale 0.1 --days 2

Prints records, the consumer's decisions per second (first record to last checkpoint), the guard alone
on the same records in time order (`aisac enforce replay`'s loop) for comparison, the checkpoint size and
the consumer's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

from aisac.enforce import RUNTIME, Guard
from aisac.enforce.replay import replay
from aisac.simulate.generator import simulate, write
from aisac.stream.consume import Options, consume
from aisac.stream.produce import produce
from tests.support.kafka import local_broker


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--checkpoint-s", type=float, default=2.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, local_broker() as bootstrap:
        tmpdir = Path(tmp)
        write(simulate(days=args.days, seed=11, scale=args.scale), tmpdir)
        logs = [tmpdir / "log"]
        t = time.perf_counter()
        totals = replay(logs, Guard()).summary()["totals"]
        replayed = totals["requests"]
        replay_s = time.perf_counter() - t
        topic = f"bench-{uuid.uuid4().hex[:6]}"
        t = time.perf_counter()
        sent = produce(logs, bootstrap, topic).records
        produce_s = time.perf_counter() - t
        out = tmpdir / "consumer"
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        done = consume(Guard(), Options(bootstrap, topic, "bench", out, until_idle=3.0, checkpoint_s=args.checkpoint_s))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert done.decided == sent == replayed, (done.decided, sent, replayed)
        consumed = json.loads((out / "summary.json").read_text())["totals"]
        assert consumed["guard_faults"] == totals["guard_faults"] == {}, consumed["guard_faults"]
        print(f"guard runtime: {RUNTIME}")
        print(f"records {sent}; produce {sent / produce_s:,.0f}/s")
        print(f"replay (read + sort + decide) {replayed / replay_s:,.0f}/s")
        print(f"consume: {done.decided} decided in {done.busy_s:.2f} s = {done.rate:,.0f} decisions/s")
        print(
            f"checkpoint file {(out / 'stream.sqlite').stat().st_size / 1e6:.1f} MB; peak RSS {rss / 1024:.0f} MiB "
            f"(before consume {rss0 / 1024:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
