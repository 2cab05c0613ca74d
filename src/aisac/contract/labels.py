"""Ground truth for evaluation: `labels.csv`, `campaign_phases.csv`, and what counts as a heavy benign account.

`labels.csv` (`account_id,label,persona,campaign`) labels whole accounts: `label` is `benign` or
`distillation`, `persona` names the benign persona or the campaign kind, `campaign` is required for
distillation. Some campaign accounts live a life of their own first (aged accounts bought or taken over);
`campaign_phases.csv` beside it says, per distillation account, from when its traffic is the campaign's:

    account_id,campaign,campaign_from
    acct_81be55c0d2aa,C06-aged_switch,2026-04-09T07:12:00Z

`campaign_from` is an RFC 3339 time with offset. The simulator writes both files; `aisac evaluate` and
`aisac enforce replay` read them here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aisac.contract.errors import InputError
from aisac.contract.times import RFC3339

LABELS_FILE = "labels.csv"
LABEL_COLUMNS = ("account_id", "label", "persona", "campaign")
LABEL_VALUES = ("benign", "distillation")
PHASES_FILE = "campaign_phases.csv"
PHASE_COLUMNS = ("account_id", "campaign", "campaign_from")
_RFC3339 = re.compile(RFC3339)

#: A benign account is heavy when its request count is in the top 1% of the benign accounts' counts in the
#: same log: the customers a lab can least afford to hurt, picked by volume alone (never by persona name).
HEAVY_QUANTILE = 0.99


class LabelError(InputError):
    """A labels.csv or campaign_phases.csv that breaks a rule; names the file, line and field."""


@dataclass(frozen=True)
class Label:
    account_id: str
    label: str
    persona: str
    campaign: str  # "" for benign accounts


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    """Data rows with the line each ends on, once the header is checked and each row's width."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelError(f"cannot read: {exc}", file=path) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(header) != columns:
        shown = ",".join(header) if header else "(empty)"
        raise LabelError(f"header must be {','.join(columns)}, got {shown}", file=path, line=1)
    rows = []
    for row in reader:
        if len(row) != len(columns):
            raise LabelError(f"expected {len(columns)} fields, got {len(row)}", file=path, line=reader.line_num)
        rows.append((reader.line_num, row))
    return rows


def read_labels(path: str | Path) -> dict[str, Label]:
    """labels.csv by account id; a bad row is an error naming its line, field and rule."""
    path = Path(path)
    out: dict[str, Label] = {}
    for number, (account, label, persona, campaign) in _rows(path, LABEL_COLUMNS):
        if not account:
            raise LabelError("empty", file=path, line=number, field="account_id")
        if account in out:
            raise LabelError(f"{account!r} appears twice", file=path, line=number, field="account_id")
        if label not in LABEL_VALUES:
            raise LabelError(
                f"must be one of {', '.join(LABEL_VALUES)}, got {label!r}", file=path, line=number, field="label"
            )
        if label == "distillation" and not campaign:
            raise LabelError("a distillation account needs a campaign", file=path, line=number, field="campaign")
        out[account] = Label(account, label, persona, campaign)
    return out


def read_phases(path: str | Path) -> dict[str, tuple[str, float]]:
    """campaign_phases.csv: account -> (campaign, campaign start in POSIX seconds)."""
    path = Path(path)
    out: dict[str, tuple[str, float]] = {}
    for number, (account, campaign, when) in _rows(path, PHASE_COLUMNS):
        if not account:
            raise LabelError("empty", file=path, line=number, field="account_id")
        if account in out:
            raise LabelError(f"{account!r} appears twice", file=path, line=number, field="account_id")
        if not campaign:
            raise LabelError("empty", file=path, line=number, field="campaign")
        if not _RFC3339.match(when):
            rule = f"expected an RFC 3339 time with offset, got {when[:60]!r}"
            raise LabelError(rule, file=path, line=number, field="campaign_from")
        out[account] = (campaign, datetime.fromisoformat(when).timestamp())
    return out


def write_phases(rows: Iterable[Mapping[str, object]], path: Path) -> None:
    """campaign_phases.csv from rows of `account_id`, `campaign`, `campaign_from` (µs since the epoch)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(PHASE_COLUMNS)
        for r in rows:
            when = datetime.fromtimestamp(int(r["campaign_from"]) / 1e6, UTC)  # type: ignore[call-overload]
            writer.writerow((r["account_id"], r["campaign"], when.isoformat().replace("+00:00", "Z")))


def heavy_min_requests(benign_requests: Sequence[int]) -> int:
    """Fewest requests that make a benign account heavy (HEAVY_QUANTILE of the benign accounts' counts);
    0 when there are none. An account is heavy when it sent at least this many, and at least one."""
    sizes = sorted(benign_requests)
    return sizes[min(len(sizes) - 1, int(HEAVY_QUANTILE * len(sizes)))] if sizes else 0
