"""Concurrent writers and readers (short and bounded; bench/hub_concurrency.py runs 20 for a minute)."""

from __future__ import annotations

from collections import Counter

from tests.support.hubload import mixed_load

WRITERS, ENVELOPES, PER_ENVELOPE = ["openai", "anthropic", "google", "chair"], 8, 25


def test_concurrent_writers_and_readers_lose_and_duplicate_nothing(hub):
    cid = hub.new_collection()
    creds = [(hub.members[m].name, hub.members[m].key) for m in WRITERS]
    readers = [(hub.members[m].name, hub.members[m].key) for m in ["google", "liaison", "chair"]]
    result = mixed_load(hub.url, creds, readers, cid, PER_ENVELOPE, envelopes=ENVELOPES)
    assert result.seconds < 120
    assert set(result.statuses) <= {200, 202}, result.statuses
    assert result.statuses[202] == len(WRITERS) * ENVELOPES
    assert result.page_through_duplicates and not any(result.page_through_duplicates)
    assert len(result.written) == len(WRITERS) * ENVELOPES * PER_ENVELOPE
    assert Counter(result.final) == Counter(result.written)  # nothing lost, nothing twice
