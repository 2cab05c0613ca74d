"""Publish a log's records to a topic (`aisac stream produce`): keyed by account, in time order.

The producer is idempotent (no duplicates from its own retries) and waits for every delivery report
before it returns, so a run that says it published N records did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aisac.logs.reader import read_log
from aisac.stream.records import encoded
from aisac.stream.topics import ensure_topic


@dataclass
class Published:
    records: int
    rejected: int  # records the log reader set aside (not published)


class DeliveryError(RuntimeError):
    """The broker did not take every record."""


def produce(
    paths: Sequence[str | Path],
    bootstrap: str,
    topic: str,
    partitions: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Published:
    """Read and check the log at `paths`, then publish its records to `topic` (created if missing)."""
    from confluent_kafka import Producer

    log = read_log(paths)
    total = log.records
    ensure_topic(bootstrap, topic, partitions)
    failed: list[str] = []

    def delivered(err, msg) -> None:
        if err is not None:
            failed.append(f"{msg.topic()}[{msg.partition()}]: {err}")

    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 20,
            "compression.type": "lz4",
        }
    )
    done = 0
    send = producer.produce
    for keys, values in encoded(log):
        for k, v in zip(keys, values, strict=True):
            while True:
                try:
                    send(topic, v.encode(), k.encode(), on_delivery=delivered)
                    break
                except BufferError:  # the local queue is full: wait for deliveries (backpressure)
                    producer.poll(0.05)
        producer.poll(0)
        done += len(keys)
        if progress:
            progress(done, total)
    left = producer.flush(60)
    if left or failed:
        raise DeliveryError(f"{len(failed) + left} of {total} records not delivered: {'; '.join(failed[:3])}")
    return Published(total, log.rejected)
