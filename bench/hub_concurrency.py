"""20 concurrent writers and readers on one hub (SQLite) for a minute: nothing lost or doubled, no 5xx.

.venv/bin/python bench/hub_concurrency.py --writers 10 --readers 10 --seconds 60
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from aisac.hub.admin import add_collection
from aisac.hub.loadtest import mixed_load
from aisac.hub.members import ROLES
from hub_common import save, sqlite_hub


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--per-envelope", type=int, default=50)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        sqlite_hub(Path(tmp), labs=args.writers) as (hub, members, engine),
    ):
        cid = add_collection(engine, "load", "", ROLES, ("lab",))
        creds = [(m.name, m.key) for m in members.values()]
        readers = [creds[i % len(creds)] for i in range(args.readers)]
        result = mixed_load(hub.url, creds, readers, cid, args.per_envelope, seconds=args.seconds)
    counts = Counter(result.final)
    written = Counter(result.written)
    save(
        "hub_concurrency",
        {
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
