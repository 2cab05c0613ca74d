"""Synthetic STIX objects and a mixed writer/reader load, shared by the concurrency test and bench/."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from aisac.contract.stix import TAXII_MEDIA_TYPE as TAXII

MIX = {  # a detector-like mix: mostly sigma indicators, observables and relationships
    "indicator-sigma": 30,
    "indicator-stix": 10,
    "ipv4-addr": 20,
    "relationship": 20,
    "campaign": 5,
    "infrastructure": 5,
    "attack-pattern": 5,
    "identity": 5,
}


def _stamp(rng: random.Random) -> str:
    day, hour, ms = rng.randint(10, 28), rng.randint(10, 23), rng.randint(100, 999)
    return f"2026-0{rng.randint(1, 9)}-{day}T{hour}:15:30.{ms}Z"


def synthetic_object(kind: str, rng: random.Random) -> dict[str, Any]:
    """One valid STIX 2.1 object of a kind from MIX."""
    stix_type = kind.split("-")[0] if kind.startswith("indicator") else kind
    obj: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": f"{stix_type}--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
    }
    if stix_type == "ipv4-addr":
        return obj | {"value": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"}
    stamp = _stamp(rng)
    obj |= {"created": stamp, "modified": stamp}
    if kind == "indicator-sigma":
        rule = f"title: sweep {rng.random():.6f}\ndetection: {{sel: {{rate|gt: {rng.randint(100, 999)}}}}}"
        return obj | {"name": "prompt sweep", "pattern_type": "sigma", "pattern": rule, "valid_from": stamp}
    if kind == "indicator-stix":
        ip = f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return obj | {
            "name": "proxy exit",
            "pattern_type": "stix",
            "pattern": f"[ipv4-addr:value = '{ip}']",
            "valid_from": stamp,
        }
    if stix_type == "relationship":
        return obj | {
            "relationship_type": "uses",
            "source_ref": f"campaign--{uuid.uuid4()}",
            "target_ref": f"attack-pattern--{uuid.uuid4()}",
        }
    if stix_type == "identity":
        return obj | {"name": f"lab {rng.randint(1, 99)}", "identity_class": "organization"}
    if stix_type == "infrastructure":
        return obj | {"name": "proxy pool", "infrastructure_types": ["anonymization"]}
    return obj | {
        "name": f"{stix_type} {rng.randint(1, 10**6)}",
        "description": "synthetic " * rng.randint(1, 20),
    }


def synthetic_objects(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` objects drawn from MIX, reproducibly."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    return [synthetic_object(k, rng) for k in kinds]


@dataclass
class LoadResult:
    """What a mixed load saw: ids accepted, HTTP statuses, duplicates per page-through, final contents."""

    written: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    page_through_duplicates: list[int] = field(default_factory=list)
    final: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _page_through(
    http: httpx.Client,
    url: str,
    limit: int,
    statuses: Counter[int],
    lock: threading.Lock,
    stop: threading.Event | None = None,
) -> list[str] | None:
    """Ids of a full page-through; None when `stop` was set before it finished."""
    seen, cursor = [], None
    while stop is None or not stop.is_set():
        r = http.get(url, params={"limit": limit, **({"next": cursor} if cursor else {})})
        with lock:
            statuses[r.status_code] += 1
        if r.status_code != 200:
            return seen
        body = r.json()
        seen += [o["id"] for o in body.get("objects", [])]
        if not body.get("more"):
            return seen
        cursor = body["next"]
    return None


def mixed_load(
    url: str,
    writers: list[tuple[str, str]],
    readers: list[tuple[str, str]],
    collection_id: str,
    per_envelope: int = 25,
    envelopes: int | None = None,
    seconds: float | None = None,
) -> LoadResult:
    """Writers POST envelopes (`envelopes` each, or for `seconds`) while readers page through it."""
    objects_url = f"{url}/forum/collections/{collection_id}/objects/"
    result, lock, done = LoadResult(), threading.Lock(), threading.Event()
    deadline = time.monotonic() + (seconds or 0)

    def write(name: str, key: str, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(auth=(name, key), timeout=120) as http:
            sent = 0
            while (envelopes is not None and sent < envelopes) or (
                envelopes is None and time.monotonic() < deadline
            ):
                objs = [synthetic_object(rng.choice(list(MIX)), rng) for _ in range(per_envelope)]
                r = http.post(
                    objects_url,
                    content=json.dumps({"objects": objs}),
                    headers={"Content-Type": TAXII, "Accept": TAXII},
                )
                with lock:
                    result.statuses[r.status_code] += 1
                    if r.status_code == 202:
                        result.written.extend(o["id"] for o in objs)
                sent += 1

    def read(name: str, key: str) -> None:
        with httpx.Client(auth=(name, key), timeout=120, headers={"Accept": TAXII}) as http:
            while not done.is_set():
                seen = _page_through(http, objects_url, 100, result.statuses, lock, stop=done)
                if seen is not None:
                    with lock:
                        result.page_through_duplicates.append(len(seen) - len(set(seen)))

    start = time.monotonic()
    threads = [threading.Thread(target=write, args=(n, k, i)) for i, (n, k) in enumerate(writers)]
    reading = [threading.Thread(target=read, args=rk) for rk in readers]
    for t in threads + reading:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in reading:
        t.join()
    result.seconds = time.monotonic() - start
    name, key = writers[0]
    with httpx.Client(auth=(name, key), timeout=120, headers={"Accept": TAXII}) as http:
        result.final = _page_through(http, objects_url, 1000, result.statuses, lock) or []
    return result
