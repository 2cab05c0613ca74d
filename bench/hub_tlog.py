"""Cost of the transparency log per write: objects stored per second with and without it.

    cd bench && PYTHONPATH=../src ../.venv/bin/python hub_tlog.py --objects 20000 --batch 100 [--postgres]

Calls the hub's ingest in-process on a fresh SQLite file (and a throwaway PostgreSQL cluster with
--postgres), envelope after
envelope, the way the TAXII route does: with the log, every stored object is a leaf appended in the same
transaction and a checkpoint is signed after each envelope (as the hub does before answering); without
it, leaves and checkpoints are switched off. Also times `aisac hub audit verify` over the result.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from aisac.hub import store, tlog
from aisac.hub.admin import add_collection
from aisac.hub.checkpoints import LogKey, sign_checkpoint
from aisac.hub.db import make_engine, migrate
from aisac.hub.members import Member, add_member
from aisac.hub.tlog_verify import verify
from aisac.hub.validate import warm_up
from hub_common import OUT
from tests.support.hubload import synthetic_objects
from tests.support.hubserver import create_database, postgres_cluster


def run(url: str, objects: list[dict], batch: int, key: LogKey | None) -> dict[str, float]:
    """Objects per second for one database, with the log when `key` is given."""
    engine = make_engine(url)
    migrate(engine)
    add_member(engine, "lab0", "lab")
    member = Member(1, "lab0", "lab", None)
    collection = add_collection(engine, "log-bench", "", ("lab",), ("lab",))
    real_append = tlog.append
    if key is None:
        tlog.append = lambda conn, entries: -1  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        for i in range(0, len(objects), batch):
            store.ingest(engine, collection, member, objects[i : i + batch], None, None)
            if key is not None:
                sign_checkpoint(engine, key)
        seconds = time.perf_counter() - started
    finally:
        tlog.append = real_append
    out = {"objects_per_s": round(len(objects) / seconds, 1), "seconds": round(seconds, 2)}
    if key is not None:
        t = time.perf_counter()
        result = verify(engine, key.verifier)
        out |= {
            "verify_s": round(time.perf_counter() - t, 2),
            "leaves": result.leaves,
            "intact": result.problem is None,
        }
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100, help="Objects per envelope.")
    parser.add_argument("--postgres", action="store_true", help="Bench a throwaway PostgreSQL cluster too.")
    args = parser.parse_args()
    objects = synthetic_objects(args.objects, seed=7)
    warm_up()  # compile the STIX schemas first, as a running hub has, so neither run pays for it
    report: dict[str, object] = {"objects": args.objects, "batch": args.batch, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        key = LogKey.load(Path(tmp) / "log-key.pem", create=True)
        urls = {"sqlite": lambda tag: f"sqlite:///{Path(tmp) / tag}.db"}
        if args.postgres:
            server = stack.enter_context(postgres_cluster())
            urls["postgresql"] = lambda tag: create_database(server, f"tlog_{tag}_{uuid.uuid4().hex[:8]}")
        for backend, make in urls.items():
            without = run(make("without"), objects, args.batch, None)
            with_log = run(make("with"), objects, args.batch, key)
            report[backend] = {
                "without_log": without,
                "with_log": with_log,
                "cost_ratio": round(without["objects_per_s"] / with_log["objects_per_s"], 2),
            }
    report["load_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))
    OUT.mkdir(exist_ok=True)
    (OUT / f"hub_tlog_{args.objects}_{args.batch}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
