"""Hub at scale: signed, validated ingest rate on SQLite, then GET page latency over the whole collection
(100 objects a page), plain, filtered by type, and filtered by added_after.

    .venv/bin/python bench/hub_paging.py --objects 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from aisac.intel.client import Hub, collection_url, push
from hub_common import bench_hub, client, page_through, save, summary
from tests.support.hubload import MIX, synthetic_objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="objects per signed envelope")
    args = parser.parse_args()
    objects = synthetic_objects(args.objects, seed=7)
    with tempfile.TemporaryDirectory() as tmp, bench_hub(Path(tmp)) as (process, members, _):
        lab = members["lab0"]
        start = time.perf_counter()
        statuses = push(Hub(process.url, lab.name, lab.key), objects, lab.signing_key, batch=args.batch)
        ingest_s = time.perf_counter() - start
        assert sum(s["success_count"] for s in statuses) == args.objects
        with client(process.url, lab) as http:
            path = collection_url(http, "forum").removeprefix(process.url) + "objects/"
            plain, seen = page_through(http, path, {"limit": 100})
            assert seen == args.objects
            middle = statuses[len(statuses) // 2]["request_timestamp"]
            by_type, n_type = page_through(http, path, {"limit": 100, "match[type]": "indicator"})
            after, n_after = page_through(http, path, {"limit": 100, "added_after": middle})
    save(
        "hub_paging",
        {
            "objects": args.objects,
            "mix_percent": MIX,
            "envelope_objects": args.batch,
            "ingest_seconds": round(ingest_s, 2),
            "ingest_objects_per_s": round(args.objects / ingest_s),
            "get_page_plain": summary(plain),
            "get_page_type_indicator": summary(by_type) | {"objects": n_type},
            "get_page_added_after_middle": summary(after) | {"objects": n_after},
        },
    )


if __name__ == "__main__":
    main()
