"""20 concurrent writers and readers on one hub (SQLite) for a minute: nothing lost or doubled, no 5xx.

.venv/bin/python bench/hub_concurrency.py --writers 10 --readers 10 --seconds 60
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from aisac.hub.admin import add_collection
from aisac.hub.members import ROLES
from hub_common import bench_hub, save
from tests.support.hubload import mixed_load
from tests.support.hubserver import create_database, postgres_cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--per-envelope", type=int, default=50)
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster, not SQLite")
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        db_url = create_database(stack.enter_context(postgres_cluster()), "bench") if args.postgres else None
        hub, members, engine = stack.enter_context(bench_hub(tmp, labs=args.writers, db_url=db_url))
        cid = add_collection(engine, "load", "", ROLES, ("lab",))
        creds = [(m.name, m.key) for m in members.values()]
        readers = [creds[i % len(creds)] for i in range(args.readers)]
        result = mixed_load(hub.url, creds, readers, cid, args.per_envelope, seconds=args.seconds)
    counts, written = Counter(result.final), Counter(result.written)
    save(
        "hub_concurrency_postgres" if args.postgres else "hub_concurrency",
        {
            "database": "postgresql" if args.postgres else "sqlite",
            "writers": args.writers,
            "readers": args.readers,
            "seconds": round(result.seconds, 1),
            "objects_written": len(result.written),
            "objects_in_hub": len(result.final),
            "lost": sum((written - counts).values()),
            "duplicated_in_hub": sum(c - 1 for c in counts.values() if c > 1),
            "unexpected": sum((counts - written).values()),
            "page_throughs": len(result.page_through_duplicates),
            "page_throughs_with_duplicates": sum(1 for d in result.page_through_duplicates if d),
            "http_statuses": dict(result.statuses),
            "http_5xx": sum(v for k, v in result.statuses.items() if k >= 500),
        },
    )


if __name__ == "__main__":
    main()
