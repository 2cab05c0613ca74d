"""Optional seeding of the guard with the batch detector's findings (`accounts.csv`, `campaigns.json`).

The guard works without them; with them, accounts the nightly batch flagged start flagged (their
infrastructure condemns newcomers at once) and campaign members start with the campaign's score.
Only the published file formats are read, never the detector's internals.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path


class SeedError(ValueError):
    """A seed file breaks its format; names the file, line and field."""


@dataclass
class Seed:
    #: account id -> (score, flagged, campaign id or "")
    accounts: dict[str, tuple[float, bool, str]] = field(default_factory=dict)
    #: campaign id -> score
    campaigns: dict[str, float] = field(default_factory=dict)

    def campaign_score(self, campaign: str) -> float:
        return self.campaigns.get(campaign, 0.0) if campaign else 0.0


_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f", ""}


def _accounts(path: Path) -> dict[str, tuple[float, bool, str]]:
    out: dict[str, tuple[float, bool, str]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        missing = {"account_id", "score", "flagged"} - set(rows.fieldnames or ())
        if missing:
            raise SeedError(
                f"{path}: header lacks {sorted(missing)} (expected account_id,score,flagged,campaign,reasons)"
            )
        for line, row in enumerate(rows, start=2):
            try:
                score = float(row["score"])
            except (TypeError, ValueError):
                raise SeedError(f"{path}:{line}: score: expected a number, got {row['score']!r}") from None
            flag = (row["flagged"] or "").strip().lower()
            if flag not in _TRUE | _FALSE:
                raise SeedError(f"{path}:{line}: flagged: expected true/false, got {row['flagged']!r}")
            if not row["account_id"]:
                raise SeedError(f"{path}:{line}: account_id: empty")
            out[row["account_id"]] = (min(max(score, 0.0), 1.0), flag in _TRUE, row.get("campaign") or "")
    return out


def _campaigns(path: Path, accounts: dict[str, tuple[float, bool, str]]) -> dict[str, float]:
    """Campaign scores from campaigns.json: a list (or {"campaigns": [...]}) of objects with an `id` (or
    `campaign`) and an optional `score`; without a score, the campaign's highest flagged member score."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"{path}: cannot read JSON: {exc}") from exc
    items = data.get("campaigns", data) if isinstance(data, dict) else data
    if isinstance(items, dict):
        items = [{"id": k, **(v if isinstance(v, dict) else {})} for k, v in items.items()]
    if not isinstance(items, list):
        raise SeedError(f"{path}: expected a list of campaigns")
    members: dict[str, float] = {}
    for score, flagged, campaign in accounts.values():
        if campaign and flagged:
            members[campaign] = max(members.get(campaign, 0.0), score)
    out = {}
    for i, c in enumerate(items):
        cid = c.get("id", c.get("campaign")) if isinstance(c, dict) else None
        if not isinstance(cid, str) or not cid:
            raise SeedError(f"{path}: campaigns[{i}]: needs a string id")
        score = c.get("score")
        if score is not None and not isinstance(score, (int, float)):
            raise SeedError(f"{path}: campaigns[{i}].score: expected a number, got {score!r}")
        out[cid] = float(score) if score is not None else members.get(cid, 0.0)
    return out


def load_seed(accounts_csv: str | Path | None = None, campaigns_json: str | Path | None = None) -> Seed:
    accounts = _accounts(Path(accounts_csv)) if accounts_csv else {}
    campaigns = _campaigns(Path(campaigns_json), accounts) if campaigns_json else {}
    if not campaigns_json:
        for score, flagged, campaign in accounts.values():
            if campaign and flagged:
                campaigns[campaign] = max(campaigns.get(campaign, 0.0), score)
    return Seed(accounts, campaigns)
