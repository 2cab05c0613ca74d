"""Concurrent writers and readers (short; bench/hub_concurrency.py runs 20 for a minute)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import httpx
from stixdata import indicator

TAXII = "application/taxii+json;version=2.1"
WRITERS, READERS, ENVELOPES, PER_ENVELOPE = 4, 3, 8, 25


def test_concurrent_writers_and_readers_lose_and_duplicate_nothing(hub):
    cid = hub.new_collection()
    url = f"{hub.url}/forum/collections/{cid}/objects/"
    written: list[str] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    done = threading.Event()
    page_throughs: list[int] = []  # duplicates seen in each full page-through by a reader
    labs = ["openai", "anthropic", "google", "chair"]

    def writer(member: str) -> None:
        creds = hub.members[member]
        with httpx.Client(auth=(creds.name, creds.key), timeout=60) as http:
            for _ in range(ENVELOPES):
                objs = [indicator(f"{member}") for _ in range(PER_ENVELOPE)]
                r = http.post(
                    url,
                    content=json.dumps({"objects": objs}),
                    headers={"Content-Type": TAXII, "Accept": TAXII},
                )
                with lock:
                    statuses[r.status_code] += 1
                    if r.status_code == 202:
                        written.extend(o["id"] for o in objs)

    def reader(member: str) -> None:
        creds = hub.members[member]
        with httpx.Client(auth=(creds.name, creds.key), timeout=60, headers={"Accept": TAXII}) as http:
            while not done.is_set():
                cursor, seen = None, []
                while True:
                    r = http.get(url, params={"limit": 50, **({"next": cursor} if cursor else {})})
                    with lock:
                        statuses[r.status_code] += 1
                    body = r.json()
                    seen += [o["id"] for o in body.get("objects", [])]
                    if not body.get("more"):
                        break
                    cursor = body["next"]
                with lock:
                    page_throughs.append(len(seen) - len(set(seen)))

    readers = [threading.Thread(target=reader, args=(m,)) for m in ["google", "liaison", "chair"][:READERS]]
    writers = [threading.Thread(target=writer, args=(m,)) for m in labs[:WRITERS]]
    start = time.monotonic()
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(120)
    done.set()
    for t in readers:
        t.join(60)
    assert time.monotonic() - start < 120
    assert set(statuses) <= {200, 202}, statuses
    assert page_throughs and not any(page_throughs), "a page-through returned an object twice"
    assert statuses[202] == WRITERS * ENVELOPES
    final, cursor = [], None
    with httpx.Client(auth=("openai", hub.members["openai"].key), headers={"Accept": TAXII}) as http:
        while True:
            body = http.get(url, params={"limit": 1000, **({"next": cursor} if cursor else {})}).json()
            final += [o["id"] for o in body.get("objects", [])]
            if not body["more"]:
                break
            cursor = body["next"]
    assert len(final) == len(set(final))
    assert Counter(final) == Counter(written) and len(written) == WRITERS * ENVELOPES * PER_ENVELOPE
