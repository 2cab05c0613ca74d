"""The detector's published findings, `accounts.csv` and `campaigns.json`: their types, writer and reader.

`aisac detect` (and `aisac demo`) write them; the guard's optional seeding and anyone downstream read them
through this module, never through the detector's internals. `campaigns.json` is a JSON list of campaign
objects (the fields of `Campaign`, in that order); each `stix_id` is the id of that campaign's `campaign`
object in the `bundle.json` written beside it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from aisac.contract.errors import InputError
from aisac.contract.stix import campaign_stix_id

ACCOUNT_COLUMNS = ("account_id", "score", "flagged", "campaign", "reasons")
_TRUE = frozenset({"true", "1", "yes", "t"})
_FALSE = frozenset({"false", "0", "no", "f", ""})


class FindingsError(InputError):
    """An accounts.csv or campaigns.json that breaks its format."""


@dataclass(frozen=True)
class AccountFinding:
    """One row of accounts.csv: the detector's verdict on one account of the log."""

    account_id: str
    score: float
    flagged: bool
    campaign: str = ""
    reasons: str = ""


@dataclass(frozen=True)
class Campaign:
    """One campaign of campaigns.json. Histogram fields hold `{"value": ..., "requests": n}` items."""

    id: str
    stix_id: str = ""
    score: float | None = None
    accounts: list[str] = field(default_factory=list)
    account_count: int = 0
    requests: int = 0
    output_tokens: int = 0
    first_seen: str = ""
    last_seen: str = ""
    address_blocks: list[dict[str, Any]] = field(default_factory=list)
    asns: list[dict[str, Any]] = field(default_factory=list)
    payment_fingerprints: list[str] = field(default_factory=list)
    user_agents: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    capability_areas: list[dict[str, Any]] = field(default_factory=list)
    atlas_techniques: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    #: What other labs need to correlate it (aisac.contract.correlation; written by aisac.detect.evidence).
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.stix_id:  # a hand-written file may leave it out: it follows from the id
            object.__setattr__(self, "stix_id", campaign_stix_id(self.id))


def write_accounts(rows: Iterable[Mapping[str, Any]], path: Path) -> None:
    """accounts.csv: `account_id,score,flagged,campaign,reasons`, one row per account of the input."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(ACCOUNT_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row["account_id"],
                    f"{row['score']:.4f}",
                    "true" if row["flagged"] else "false",
                    row["campaign"] or "",
                    row["reasons"] or "",
                ]
            )


def read_accounts(path: str | Path) -> dict[str, AccountFinding]:
    """accounts.csv by account id; a bad row is an error naming the file, line and field."""
    path = Path(path)
    out: dict[str, AccountFinding] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = csv.DictReader(fh)
            missing = {"account_id", "score", "flagged"} - set(rows.fieldnames or ())
            if missing:
                raise FindingsError(
                    f"header lacks {', '.join(sorted(missing))} (expected {','.join(ACCOUNT_COLUMNS)})",
                    file=path,
                    line=1,
                )
            for line, row in enumerate(rows, start=2):
                out[row["account_id"] or ""] = _account(row, path, line)
    except (OSError, UnicodeDecodeError) as exc:
        raise FindingsError(f"cannot read: {exc}", file=path) from exc
    return out


def _account(row: dict[str, str | None], path: Path, line: int) -> AccountFinding:
    if not row["account_id"]:
        raise FindingsError("empty", file=path, line=line, field="account_id")
    try:
        score = float(row["score"] or "")
    except ValueError:
        raise FindingsError(f"expected a number, got {row['score']!r}", file=path, line=line, field="score") from None
    flag = (row["flagged"] or "").strip().lower()
    if flag not in _TRUE | _FALSE:
        raise FindingsError(f"expected true/false, got {row['flagged']!r}", file=path, line=line, field="flagged")
    return AccountFinding(row["account_id"], score, flag in _TRUE, row.get("campaign") or "", row.get("reasons") or "")


def write_campaigns(campaigns: Iterable[Campaign], path: Path) -> None:
    """campaigns.json: the campaigns as a JSON list, largest first as given."""
    path.write_text(json.dumps([asdict(c) for c in campaigns], indent=2, default=str), encoding="utf-8")


#: What a present campaigns.json field must hold, by the type written in `Campaign` (None only for score).
_KINDS: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float | None": (int, float)}


def _check(value: Any, declared: str, path: Path, where: str, name: str) -> None:
    kinds = (list,) if declared.startswith("list") else (dict,) if declared.startswith("dict") else _KINDS[declared]
    if value is None and declared == "float | None":
        return
    if not isinstance(value, kinds) or isinstance(value, bool):
        want = " or ".join(k.__name__ for k in kinds)
        raise FindingsError(f"expected {want}, got {type(value).__name__}", file=path, obj=where, field=name)


def read_campaigns(path: str | Path) -> list[Campaign]:
    """campaigns.json: a list of campaign objects. Only `id` is required; a field that is present must have
    its type. A bad object is an error naming the file, the object (`campaigns[i]`) and the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FindingsError(f"cannot read: {exc}", file=path) from exc
    except json.JSONDecodeError as exc:
        raise FindingsError(f"not valid JSON: {exc.msg}", file=path, line=exc.lineno) from exc
    if not isinstance(data, list):
        raise FindingsError(f"expected a JSON list of campaigns, got {type(data).__name__}", file=path)
    known = {f.name: str(f.type) for f in fields(Campaign)}
    out = []
    for i, item in enumerate(data):
        where = f"campaigns[{i}]"
        if not isinstance(item, dict):
            raise FindingsError("expected a JSON object", file=path, obj=where)
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise FindingsError("needs a non-empty string", file=path, obj=where, field="id")
        values = {k: v for k, v in item.items() if k in known}
        for name, value in values.items():
            _check(value, known[name], path, where, name)
        out.append(Campaign(**values))
    return out
