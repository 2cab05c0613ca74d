"""Side by side in one run: the aisac hub (SQLite) and medallion (memory back-end) serving the same objects.

Both are loaded through TAXII POST, then paged through with the OASIS taxii2-client, 100 objects a page.

    .venv/bin/python bench/hub_medallion.py --objects 5000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from taxii2client.v21 import Collection, as_pages

from aisac.intel.client import Hub, collection_url
from hub_common import TAXII, bench_hub, save
from tests.support.hubload import synthetic_objects
from tests.support.hubserver import free_port, wait_port


def medallion_config(workdir: Path, port: int, collection_id: str) -> Path:
    """A medallion config with one API root and one empty collection in the memory back-end."""
    root = f"http://127.0.0.1:{port}/api1/"
    data = {
        "/discovery": {
            "title": "medallion",
            "description": "",
            "contact": "",
            "default": root,
            "api_roots": [root],
        },
        "api1": {
            "information": {
                "title": "api1",
                "description": "",
                "versions": [TAXII],
                "max_content_length": 10**9,
            },
            "status": [],
            "collections": [
                {
                    "id": collection_id,
                    "title": "bench",
                    "description": "",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    (workdir / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(workdir / "data.json"),
        },
        "users": {"bench": "bench"},
        "taxii": {"max_page_size": 100},
    }
    (workdir / "config.json").write_text(json.dumps(config))
    return workdir / "config.json"


def timed_load_and_pages(col: Collection, objects: list[dict], rounds: int, batch: int) -> dict[str, float]:
    """Load through POST, then page through `rounds` times; seconds for each."""
    start = time.perf_counter()
    for i in range(0, len(objects), batch):
        status = col.add_objects(json.dumps({"objects": objects[i : i + batch]}))
        assert status.failure_count == 0, status.failures[:2]
    load = time.perf_counter() - start
    runs, page_ms = [], []
    for _ in range(rounds):
        seen, start, last = 0, time.perf_counter(), time.perf_counter()
        for envelope in as_pages(col.get_objects, per_request=100):
            now = time.perf_counter()
            page_ms.append((now - last) * 1000)
            last = now
            seen += len(envelope.get("objects", []))
        runs.append(time.perf_counter() - start)
        assert seen == len(objects), seen
    return {
        "load_s": round(load, 2),
        "page_through_s": round(statistics.median(runs), 3),
        "page_median_ms": round(statistics.median(page_ms), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    objects = synthetic_objects(args.objects, seed=11)
    with tempfile.TemporaryDirectory() as tmp, bench_hub(Path(tmp)) as (hub, members, _):
        lab = members["lab0"]
        with Hub(hub.url, lab.name, lab.key).client() as http:
            hub_url = collection_url(http, "forum")
        ours = timed_load_and_pages(
            Collection(hub_url, user=lab.name, password=lab.key), objects, args.rounds, args.batch
        )
        port, cid = free_port(), str(uuid.uuid4())
        config = medallion_config(Path(tmp), port, cid)
        medallion = Path(sys.executable).with_name("medallion")
        log = (Path(tmp) / "medallion.log").open("wb")
        proc = subprocess.Popen([str(medallion), "--port", str(port), str(config)], stdout=log, stderr=log)
        try:
            wait_port(port, proc, Path(tmp) / "medallion.log")
            col = Collection(f"http://127.0.0.1:{port}/api1/collections/{cid}/", user="bench", password="bench")
            theirs = timed_load_and_pages(col, objects, args.rounds, args.batch)
        finally:
            proc.terminate()
            proc.wait(10)
    save(
        "hub_medallion",
        {
            "objects": args.objects,
            "rounds": args.rounds,
            "aisac_hub_sqlite": ours,
            "medallion_memory": theirs,
            "page_through_speed_ratio_hub_over_medallion": round(theirs["page_through_s"] / ours["page_through_s"], 1),
        },
    )


if __name__ == "__main__":
    main()
