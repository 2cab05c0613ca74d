"""Key registry (SQLite): which key and scheme served which deployment and account cluster, and when.

A positive audit against a key then says whose outputs were distilled. The registry holds secrets; it is
a lab-internal file, and only `public()` key data ever leaves it in evidence.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aisac.watermark.keys import WatermarkKey, key_from_json

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    scheme TEXT NOT NULL,
    key_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    key_id TEXT NOT NULL REFERENCES keys(key_id),
    deployment TEXT NOT NULL,
    account_cluster TEXT,
    since TEXT NOT NULL,
    until TEXT
);
"""


@dataclass(frozen=True)
class Assignment:
    key_id: str
    deployment: str
    account_cluster: str | None
    since: str
    until: str | None


class KeyRegistry:
    """Keys and their deployment assignments in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = sqlite3.connect(path)
        self.con.execute("PRAGMA foreign_keys = ON")
        self.con.executescript(_SCHEMA)

    def close(self) -> None:
        self.con.close()

    def add_key(self, key: WatermarkKey) -> None:
        with self.con:
            self.con.execute("INSERT INTO keys VALUES (?, ?, ?)", (key.key_id, key.scheme, json.dumps(key.to_json())))

    def assign(
        self,
        key_id: str,
        deployment: str,
        account_cluster: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Assignment:
        """Record that `key_id` served `deployment` (optionally one account cluster) from `since`."""
        row = Assignment(
            key_id,
            deployment,
            account_cluster,
            since or datetime.now(UTC).isoformat(timespec="seconds"),
            until,
        )
        try:
            with self.con:
                self.con.execute("INSERT INTO assignments VALUES (?, ?, ?, ?, ?)", tuple(vars(row).values()))
        except sqlite3.IntegrityError:
            raise KeyError(f"{self.path}: no key {key_id!r} in the registry") from None
        return row

    def all_keys(self) -> list[WatermarkKey]:
        rows = self.con.execute("SELECT key_id, key_json FROM keys ORDER BY key_id").fetchall()
        return [key_from_json(json.loads(doc), f"{self.path}: key {kid}") for kid, doc in rows]

    def assignments(self, key_id: str) -> list[Assignment]:
        rows = self.con.execute("SELECT * FROM assignments WHERE key_id = ? ORDER BY since", (key_id,)).fetchall()
        return [Assignment(*row) for row in rows]
