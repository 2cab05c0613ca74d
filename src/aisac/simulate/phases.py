"""Ground truth of when each distillation account's traffic belongs to its campaign: `campaign_phases.csv`.

`labels.csv` labels whole accounts. Some campaign accounts live a life of their own first (aged accounts
bought or taken over, which chat like hobbyists before they start harvesting); counting that life as
campaign traffic would charge an enforcement policy for requests no one could or should stop. This file
says, per distillation account, from when its traffic is the campaign's:

    account_id,campaign,campaign_from
    acct_81be55c0d2aa,C06-aged_switch,2026-04-09T07:12:00Z

`campaign_from` is an RFC 3339 time with offset: the takeover time where there is one, else the account's
first request. It sits beside `labels.csv`, whose columns stay as they are.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from aisac.logs import schema
from aisac.logs.checks import RFC3339

FILE_NAME = "campaign_phases.csv"
COLUMNS = ("account_id", "campaign", "campaign_from")


class PhaseError(ValueError):
    """A campaign_phases.csv that breaks a rule; the message names the file, line and field."""


def campaign_phases(log: pa.Table, labels: pa.Table, takeovers: pa.Table) -> pa.Table:
    """Every distillation account's campaign start: its takeover time, else its first request (µs)."""
    firsts = log.group_by(schema.ACCOUNT).aggregate([(schema.TIME, "min")])
    first_of = dict(
        zip(
            firsts[schema.ACCOUNT].to_pylist(),
            pc.cast(firsts[f"{schema.TIME}_min"], pa.int64()).to_pylist(),
            strict=True,
        )
    )
    first_of.update(zip(takeovers["account_id"].to_pylist(), takeovers["campaign_from"].to_pylist(), strict=True))
    rows = [r for r in labels.to_pylist() if r["label"] == "distillation" and r["account_id"] in first_of]
    return pa.table(
        {
            "account_id": pa.array([r["account_id"] for r in rows], pa.string()),
            "campaign": pa.array([r["campaign"] for r in rows], pa.string()),
            "campaign_from": pa.array([first_of[r["account_id"]] for r in rows], pa.int64()),
        }
    )


def write_phases(phases: pa.Table, path: Path) -> None:
    """Write the table from `campaign_phases` (times in µs) as CSV with RFC 3339 UTC times."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in phases.to_pylist():
            when = datetime.fromtimestamp(r["campaign_from"] / 1e6, UTC).isoformat().replace("+00:00", "Z")
            writer.writerow((r["account_id"], r["campaign"], when))


def _time(text: str) -> float:
    if not re.match(RFC3339, text):
        raise ValueError("not RFC 3339")
    return datetime.fromisoformat(text).timestamp()


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """The data rows with the line each ends on, once the header is checked."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhaseError(f"{path}: cannot read: {exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        shown = ",".join(header) if header else "(empty)"
        raise PhaseError(f"{path}:1: header must be {','.join(COLUMNS)}, got {shown}")
    return [(reader.line_num, row) for row in reader]


def read_phases(path: str | Path) -> dict[str, tuple[str, float]]:
    """Account -> (campaign, campaign start in POSIX seconds); a bad row is an error naming line and field."""
    path = Path(path)
    out: dict[str, tuple[str, float]] = {}
    for number, row in _rows(path):
        if len(row) != len(COLUMNS):
            raise PhaseError(f"{path}:{number}: expected {len(COLUMNS)} fields, got {len(row)}")
        account, campaign, when = row
        if not account:
            raise PhaseError(f"{path}:{number}: account_id: empty")
        if account in out:
            raise PhaseError(f"{path}:{number}: account_id: {account!r} appears twice")
        if not campaign:
            raise PhaseError(f"{path}:{number}: campaign: empty")
        try:
            out[account] = (campaign, _time(when))
        except ValueError:
            raise PhaseError(
                f"{path}:{number}: campaign_from: expected an RFC 3339 time with offset, got {when[:60]!r}"
            ) from None
    return out
