"""Appeals: a customer's appeal is recorded, an analyst reviews it with the evidence, and an upheld appeal
restores access at once (through the guard), is audited, and is kept as a labelled false positive.

Stored in SQLite (stdlib sqlite3). Every state change writes an audit row in the same transaction.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from aisac.enforce.guard import Guard

Outcome = Literal["uphold", "deny"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS appeals (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, reference TEXT, message TEXT NOT NULL, contact TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'denied')), filed_at REAL NOT NULL,
    evidence TEXT NOT NULL, decided_at REAL, analyst TEXT, note TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, actor TEXT NOT NULL, appeal_id TEXT,
    account_id TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS false_positives (
    appeal_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, at REAL NOT NULL, analyst TEXT NOT NULL,
    allow_entry TEXT NOT NULL, evidence TEXT NOT NULL
);
"""


class AppealError(ValueError):
    """An appeal operation that cannot be done (unknown id, already decided, ...); says which and why."""


class AppealDesk:
    def __init__(self, db: str | Path, guard: Guard):
        self.guard = guard
        self._lock = threading.Lock()
        self.con = sqlite3.connect(str(db), check_same_thread=False, isolation_level=None)
        self.con.row_factory = sqlite3.Row
        self.con.executescript(_SCHEMA)

    def _audit(self, actor: str, appeal_id: str | None, account: str, event: str, detail: dict) -> None:
        self.con.execute(
            "INSERT INTO audit (at, actor, appeal_id, account_id, event, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), actor, appeal_id, account, event, json.dumps(detail, sort_keys=True)),
        )

    def file(
        self, account_id: str, message: str, reference: str | None = None, contact: str | None = None
    ) -> dict:
        """Record a customer's appeal with a snapshot of the evidence as it stands now."""
        if not account_id or not message.strip():
            raise AppealError("an appeal needs an account_id and a non-empty message")
        appeal_id = "AP-" + uuid.uuid4().hex[:12]
        evidence = self.guard.evidence(account_id)
        with self._lock, _Tx(self.con):
            self.con.execute(
                "INSERT INTO appeals (id, account_id, reference, message, contact, status, filed_at,"
                " evidence)"
                " VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                (appeal_id, account_id, reference, message, contact, time.time(), json.dumps(evidence)),
            )
            self._audit("customer", appeal_id, account_id, "filed", {"reference": reference})
        return {"id": appeal_id, "status": "open", "account_id": account_id}

    def _row(self, appeal_id: str) -> sqlite3.Row:
        row = self.con.execute("SELECT * FROM appeals WHERE id = ?", (appeal_id,)).fetchone()
        if row is None:
            raise AppealError(f"appeal {appeal_id!r}: no such appeal")
        return row

    def show(self, appeal_id: str) -> dict:
        """The appeal, the evidence when filed and now, and its audit trail (analyst view)."""
        row = self._row(appeal_id)
        out = dict(row)
        out["evidence"] = json.loads(row["evidence"])
        out["evidence_now"] = self.guard.evidence(row["account_id"])
        out["audit"] = [
            {**dict(a), "detail": json.loads(a["detail"])}
            for a in self.con.execute("SELECT * FROM audit WHERE appeal_id = ? ORDER BY seq", (appeal_id,))
        ]
        return out

    def list(self, status: str | None = None) -> list[dict]:
        sql, args = "SELECT id, account_id, reference, status, filed_at, analyst FROM appeals", ()
        if status:
            sql, args = sql + " WHERE status = ?", (status,)
        return [dict(r) for r in self.con.execute(sql + " ORDER BY filed_at", args)]

    def decide(self, appeal_id: str, analyst: str, outcome: Outcome, note: str = "") -> dict:
        """Uphold (reverse the action at once, allow-list its exact evidence) or deny; audited either way."""
        if outcome not in ("uphold", "deny"):
            raise AppealError(f"outcome: expected 'uphold' or 'deny', got {outcome!r}")
        if not analyst:
            raise AppealError("analyst: required")
        with self._lock:
            row = self._row(appeal_id)
            if row["status"] != "open":
                raise AppealError(f"appeal {appeal_id}: already {row['status']}")
            account = row["account_id"]
            standing = self.guard.state.standing(account)
            status = "upheld" if outcome == "uphold" else "denied"
            detail: dict[str, Any] = {"note": note, "standing": standing}
            with _Tx(self.con):
                self._record_decision(row, analyst, status, note, detail)
        result = {"id": appeal_id, "status": status, "account_id": account}
        if "allow_entry" in detail:
            result["allow_entry"] = detail["allow_entry"]
        return result

    def _record_decision(self, row: sqlite3.Row, analyst: str, status: str, note: str, detail: dict) -> None:
        """Inside the caller's transaction: a failed reversal leaves the appeal open and unaudited."""
        appeal_id, account = row["id"], row["account_id"]
        self.con.execute(
            "UPDATE appeals SET status = ?, decided_at = ?, analyst = ?, note = ? WHERE id = ?",
            (status, time.time(), analyst, note, appeal_id),
        )
        if status == "upheld":
            entry = self.guard.reverse(account, appeal_id)
            detail["allow_entry"] = entry
            self.con.execute(
                "INSERT INTO false_positives VALUES (?, ?, ?, ?, ?, ?)",
                (appeal_id, account, time.time(), analyst, json.dumps(entry), row["evidence"]),
            )
        self._audit(analyst, appeal_id, account, status, detail)

    def false_positives(self) -> list[dict]:
        return [
            {**dict(r), "allow_entry": json.loads(r["allow_entry"]), "evidence": json.loads(r["evidence"])}
            for r in self.con.execute("SELECT * FROM false_positives ORDER BY at")
        ]


class _Tx:
    """BEGIN ... COMMIT, or ROLLBACK if anything inside raised (the connection is in autocommit mode)."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")


def write_labels(rows: list[dict], path: Path) -> int:
    """Upheld appeals as labels (account_id,label,persona,campaign) for the detector's evaluation."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "label", "persona", "campaign"])
        for r in rows:
            w.writerow([r["account_id"], "benign", f"appeal:{r['appeal_id']}", ""])
    return len(rows)
