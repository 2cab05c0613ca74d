"""Shared builders for tests: valid api-log-v1 records and files written the way a lab's gateway would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def record(changes: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A valid record with every required column, with some columns changed or dropped."""
    rec: dict[str, Any] = {
        "time": "2026-04-06T10:00:00Z",
        "account.id": "acct_1",
        "gen_ai.request.model": "helios-4",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 34,
        "client.address": "203.0.113.7",
    }
    rec.update(changes or {})
    for name in drop:
        rec.pop(name)
    return rec


def line(rec: dict[str, Any]) -> str:
    return json.dumps(rec, ensure_ascii=False)


@pytest.fixture
def write_lines(tmp_path: Path):
    """Write text lines (str) or raw lines (bytes) as a .jsonl file and return its path."""

    def _write(lines: list[str | bytes], name: str = "log.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
        return path

    return _write
