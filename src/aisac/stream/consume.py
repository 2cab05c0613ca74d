"""Decide every record of a topic with the guard (`aisac guard consume`), exactly once in the summary.

Each `consume` call takes a bounded batch (backpressure: the client's prefetch is capped, and nothing is
read ahead of the guard); the batch is decoded, de-duplicated by `event.id`, decided and counted into the
same per-account tallies `aisac enforce replay` keeps. Every `checkpoint_s` (or, once the state is large,
every SAVE_SHARE⁻¹ times the last checkpoint's duration, which bounds its cost; and when the topic goes quiet,
partitions are revoked or the consumer stops) the guard's learned state, the tallies, the next offsets
and the batch's event ids are saved in one SQLite transaction (aisac.stream.checkpoint); only then are
the offsets committed to the group and DIR/summary.json rewritten. Killed at any instant and restarted,
the consumer resumes from the saved offsets with the saved state, so every record counts once and the
decisions are those an uninterrupted run makes. Decisions sent to `decisions_topic` are flushed before the
checkpoint: at least once, keyed by account and carrying the record's `event.id` for consumers to
de-duplicate.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from aisac.enforce.guard import Guard
from aisac.enforce.replay import ReplayResult, tally
from aisac.enforce.request import Request
from aisac.logs import schema as s
from aisac.stream.checkpoint import Checkpoint
from aisac.stream.records import Decoder
from aisac.stream.topics import ensure_topic

log = logging.getLogger("aisac.stream.consume")

#: Messages per consume call, and the client's prefetch cap: what the consumer holds in memory at most.
BATCH = 10_000
PREFETCH_KB = 65_536
FETCH_BYTES = 16 << 20
#: At most this share of the consumer's time goes to checkpoints (the saved state grows with the accounts).
SAVE_SHARE = 0.1


@dataclass
class Options:
    bootstrap: str
    topic: str
    group: str
    out: Path
    until_idle: float | None = None
    decisions_topic: str | None = None
    checkpoint_s: float = 2.0
    batch: int = BATCH


@dataclass
class Progress:
    decided: int  # in total, this run and the runs before it on the same directory
    duplicates: int
    rejected: int
    this_run: int  # records decided by this run
    busy_s: float  # from this run's first record to its last checkpoint: the rate's denominator

    @property
    def rate(self) -> float:
        return self.this_run / self.busy_s if self.busy_s > 0 else 0.0


class StreamError(RuntimeError):
    """The broker failed the consumer or the decisions producer (fatal error, undelivered decisions)."""


def consume(guard: Guard, opts: Options, stop: Callable[[], bool] = lambda: False, on_checkpoint=None) -> Progress:
    """Run until `stop()` or `opts.until_idle` seconds without a record; see the module docstring."""
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

    opts.out.mkdir(parents=True, exist_ok=True)
    store = Checkpoint(opts.out / "stream.sqlite")
    saved = store.load(guard.version)
    if saved.learned is not None:
        guard.restore(saved.learned)
    tallies, offsets = saved.tallies, dict(saved.offsets)
    decided, duplicates, rejected = saved.decided, saved.duplicates, saved.rejected
    new_ids: set[str] = set()
    new_rejected: list[tuple[str, int, int, str]] = []
    failed: list[str] = []
    producer = None
    if opts.decisions_topic:
        ensure_topic(opts.bootstrap, opts.decisions_topic)
        producer = Producer({"bootstrap.servers": opts.bootstrap, "enable.idempotence": True, "linger.ms": 20})

    def delivered(err, msg) -> None:
        if err is not None:
            failed.append(str(err))

    consumer = Consumer(
        {
            "bootstrap.servers": opts.bootstrap,
            "group.id": opts.group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "queued.max.messages.kbytes": PREFETCH_KB,
            # whole batches per fetch: the default 1 MB per partition is ~1k records a round trip
            "max.partition.fetch.bytes": FETCH_BYTES,
            "fetch.max.bytes": FETCH_BYTES,
            # a restarted consumer gets its partitions back in seconds, not after the default 45 s
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
    )

    def save() -> None:
        nonlocal rejected
        if producer is not None:
            left = producer.flush(60)
            if left or failed:
                raise StreamError(f"{left + len(failed)} decisions not delivered: {'; '.join(failed[:3])}")
        store.save(guard.version, guard.learned(), tallies, offsets, new_ids, new_rejected, decided, duplicates)
        rejected += len(new_rejected)
        new_ids.clear()
        new_rejected.clear()
        _write_summary(opts.out, ReplayResult(tallies, guard.version, dict(guard.faults), rejected))
        mine = [TopicPartition(t, p, n) for (t, p), n in offsets.items() if (t, p) in assigned]
        if mine:
            consumer.commit(offsets=mine, asynchronous=True)
        if on_checkpoint:
            on_checkpoint(decided)

    assigned: set[tuple[str, int]] = set()
    last = last_save = time.monotonic()
    save_s = 0.0  # how long the last checkpoint took
    first: float | None = None
    done_at = last
    start_decided = decided

    def on_assign(c, parts) -> None:
        committed = {(tp.topic, tp.partition): tp.offset for tp in c.committed(parts, timeout=30)}
        for tp in parts:
            key = (tp.topic, tp.partition)
            mine, theirs = offsets.get(key, -1), committed.get(key, -1)
            if max(mine, theirs) >= 0:  # else the group's reset policy (earliest)
                tp.offset = max(mine, theirs)
                offsets[key] = tp.offset
            assigned.add(key)
        c.assign(parts)
        nonlocal last
        last = time.monotonic()  # idle time counts from when there are partitions to read

    def on_revoke(c, parts) -> None:
        save()  # what was decided on these partitions is durable before another consumer takes them
        assigned.difference_update((tp.topic, tp.partition) for tp in parts)

    consumer.subscribe([opts.topic], on_assign=on_assign, on_revoke=on_revoke)
    decide, seen, decoder = guard.decide, store.seen, Decoder()
    dirty = saved.learned is None  # a fresh directory gets its (empty) summary at once
    try:
        while not stop():
            msgs = consumer.consume(opts.batch, 0.5)
            now = time.monotonic()
            if not msgs:
                if dirty:
                    save()
                    dirty, last_save = False, now
                    done_at = time.monotonic()
                if opts.until_idle is not None and assigned and now - last >= opts.until_idle:
                    break
                continue
            last = now
            if first is None:
                first = now
            values: list[bytes | None] = []
            where: list[tuple[str, int, int]] = []
            for m in msgs:
                err = m.error()
                if err is not None:
                    if err.fatal() or err.code() == KafkaError._FATAL:
                        raise StreamError(f"consumer: {err}")
                    log.warning("consumer: %s", err)
                    continue
                at = (m.topic(), m.partition(), m.offset())
                offsets[at[:2]] = at[2] + 1
                values.append(m.value())
                where.append(at)
            reqs, ids, bad = decoder.decode(values)
            new_rejected.extend((*where[i], why[:300]) for i, why in bad)
            old = seen([e for e in ids if e is not None])
            fresh: list[Request] = []
            fresh_ids: list[str | None] = []
            for req, eid in zip(reqs, ids, strict=True):
                if eid is not None:
                    if eid in old or eid in new_ids:
                        duplicates += 1
                        continue
                    new_ids.add(eid)
                fresh.append(req)
                fresh_ids.append(eid)
            decisions = [decide(req) for req in fresh]
            tally(tallies, fresh, decisions)
            decided += len(fresh)
            if producer is not None:
                _send(producer, opts.decisions_topic, fresh, fresh_ids, decisions, delivered)
            dirty = True
            if now - last_save >= max(opts.checkpoint_s, save_s / SAVE_SHARE):
                save()
                dirty, last_save = False, time.monotonic()
                save_s = last_save - now
            done_at = time.monotonic()
        if dirty:
            save()
            done_at = time.monotonic()
        busy = done_at - first if first is not None else 0.0
    finally:
        consumer.close()
        store.close()
    return Progress(decided, duplicates, rejected, decided - start_decided, busy)


def _send(producer, topic, reqs, ids, decisions, delivered) -> None:
    for req, eid, d in zip(reqs, ids, decisions, strict=True):
        value = orjson.dumps({s.EVENT_ID: eid, s.TIME: req.time, **d.to_dict()})
        while True:
            try:
                producer.produce(topic, value, req.account_id.encode(), on_delivery=delivered)
                break
            except BufferError:  # the producer's queue is full: let deliveries drain (backpressure)
                producer.poll(0.05)
    producer.poll(0)


def _write_summary(out: Path, result: ReplayResult) -> None:
    """summary.json in `aisac enforce replay`'s format, replaced atomically (never seen half-written)."""
    tmp = out / "summary.json.tmp"
    tmp.write_bytes(orjson.dumps(result.summary(), option=orjson.OPT_INDENT_2))
    os.replace(tmp, out / "summary.json")
