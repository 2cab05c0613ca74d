"""Shared set-up for bench/hub_*.py: a hub process on a fresh SQLite file with lab members."""

from __future__ import annotations

import json
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support

from aisac.contract.stix import TAXII_MEDIA_TYPE as TAXII
from aisac.hub.db import make_engine, migrate
from tests.support.hubserver import Credentials, HubProcess, enrol

OUT = Path(__file__).parent / "out"


@contextmanager
def bench_hub(workdir: Path, labs: int = 1, db_url: str | None = None):
    """A running hub on `workdir/hub.db` (or `db_url`) and `labs` lab members (lab0, lab1, ...)."""
    db_url = db_url or f"sqlite:///{workdir / 'hub.db'}"
    engine = make_engine(db_url)
    migrate(engine)
    members = enrol(engine, workdir, {f"lab{i}": "lab" for i in range(labs)})
    process = HubProcess(db_url, workdir, ("--max-content-length", "104857600"))
    process.start()
    time.sleep(6)  # the hub compiles the STIX schemas in the background for ~4 s after start
    try:
        yield process, members, engine
    finally:
        process.stop()
        engine.dispose()


def client(url: str, creds: Credentials) -> httpx.Client:
    """A keep-alive TAXII client for one member."""
    return httpx.Client(base_url=url, auth=(creds.name, creds.key), headers={"Accept": TAXII}, timeout=300)


def page_through(http: httpx.Client, path: str, params: dict[str, Any]) -> tuple[list[float], int]:
    """Latency (ms) of every page of a full page-through, and the objects seen."""
    latencies, seen, cursor = [], 0, None
    while True:
        t = time.perf_counter()
        r = http.get(path, params={**params, **({"next": cursor} if cursor else {})})
        latencies.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        body = r.json()
        seen += len(body.get("objects", []))
        if not body.get("more"):
            return latencies, seen
        cursor = body["next"]


def summary(latencies: list[float]) -> dict[str, float]:
    """Median and 95th percentile in ms."""
    q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return {
        "pages": len(latencies),
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(q[18], 2),
    }


def save(name: str, result: dict[str, Any]) -> None:
    """Print and keep a result under bench/out/."""
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
