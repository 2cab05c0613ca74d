"""The consumer's durable state in one SQLite file: what the guard has learned, the per-account tallies,
the next offset of every partition, the event ids decided and the records set aside, all written in one
transaction per checkpoint.

Why one transaction: after a crash at any instant the file holds either the state before a batch or the
state after it, together with the offsets that match it, so a restart resumes from exactly the records
the saved state has not seen. Kafka's own committed offsets are written after, for lag monitoring only.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), policy_version TEXT NOT NULL,
    learned BLOB NOT NULL, tallies BLOB NOT NULL, decided INTEGER NOT NULL, duplicates INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL, next INTEGER NOT NULL,
    PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected (topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    reason TEXT NOT NULL, PRIMARY KEY (topic, partition, "offset"));
"""


class CheckpointError(RuntimeError):
    """The checkpoint cannot be used with this guard (another policy version)."""


@dataclass
class Saved:
    """What a checkpoint holds (empty for a fresh directory)."""

    learned: dict[str, Any] | None = None
    tallies: dict = field(default_factory=dict)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    decided: int = 0
    duplicates: int = 0
    rejected: int = 0


class Checkpoint:
    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")  # a committed checkpoint survives a power cut too
        self.db.executescript(_SCHEMA)

    def load(self, policy_version: str) -> Saved:
        row = self.db.execute("SELECT policy_version, learned, tallies, decided, duplicates FROM state").fetchone()
        offsets = {(t, p): n for t, p, n in self.db.execute("SELECT topic, partition, next FROM offsets")}
        rejected = self.db.execute("SELECT count(*) FROM rejected").fetchone()[0]
        if row is None:
            return Saved(offsets=offsets, rejected=rejected)
        version, learned, tallies, decided, duplicates = row
        if version != policy_version:
            raise CheckpointError(
                f"{self.path}: saved under policy {version}, the guard runs policy {policy_version}; "
                "decide with the saved policy or start a new output directory"
            )
        return Saved(pickle.loads(learned), pickle.loads(tallies), offsets, decided, duplicates, rejected)

    def seen(self, event_ids: list[str]) -> set[str]:
        """Which of `event_ids` earlier checkpoints decided."""
        if not event_ids:
            return set()
        rows = self.db.execute(
            "SELECT event_id FROM seen WHERE event_id IN (SELECT value FROM json_each(?))",
            (orjson.dumps(event_ids).decode(),),
        )
        return {r[0] for r in rows}

    def save(
        self,
        policy_version: str,
        learned: dict[str, Any],
        tallies: dict,
        offsets: dict[tuple[str, int], int],
        event_ids: Iterable[str],
        rejected: Iterable[tuple[str, int, int, str]],
        decided: int,
        duplicates: int,
    ) -> None:
        """Everything in one transaction (see the module docstring)."""
        blobs = (pickle.dumps(learned, protocol=5), pickle.dumps(tallies, protocol=5))
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO state VALUES (1, ?, ?, ?, ?, ?)", (policy_version, *blobs, decided, duplicates)
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO offsets VALUES (?, ?, ?)", [(t, p, n) for (t, p), n in offsets.items()]
            )
            self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", ((e,) for e in event_ids))
            self.db.executemany("INSERT OR IGNORE INTO rejected VALUES (?, ?, ?, ?)", rejected)

    def close(self) -> None:
        self.db.close()
