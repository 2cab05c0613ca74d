"""Ground truth for evaluation: `labels.csv` with `account_id,label,persona,campaign`."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

COLUMNS = ("account_id", "label", "persona", "campaign")
LABELS = ("benign", "distillation")


class LabelError(ValueError):
    pass


def read_labels(path: str | Path) -> pa.Table:
    """Read and check the labels file; a bad row is an error naming its line and the rule."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelError(f"{path}: cannot read: {exc}") from exc
    if not rows or tuple(rows[0]) != COLUMNS:
        got = ",".join(rows[0]) if rows else "(empty)"
        raise LabelError(f"{path}:1: header must be {','.join(COLUMNS)}, got {got}")
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(COLUMNS):
            raise LabelError(f"{path}:{number}: expected {len(COLUMNS)} fields, got {len(row)}")
        account, label, _, campaign = row
        if not account:
            raise LabelError(f"{path}:{number}: account_id is empty")
        if account in seen:
            raise LabelError(f"{path}:{number}: account_id {account!r} appears twice")
        if label not in LABELS:
            raise LabelError(f"{path}:{number}: label must be one of {', '.join(LABELS)}, got {label!r}")
        if label == "distillation" and not campaign:
            raise LabelError(f"{path}:{number}: a distillation account needs a campaign")
        seen.add(account)
    body = rows[1:]
    return pa.table({c: pa.array([r[i] or None for r in body] if c == "campaign" else [r[i] for r in body],
                                 pa.string()) for i, c in enumerate(COLUMNS)})
