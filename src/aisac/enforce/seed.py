"""Optional seeding of the guard with the batch detector's findings (`accounts.csv`, `campaigns.json`).

The guard works without them; with them, accounts the nightly batch flagged start flagged (their
infrastructure condemns newcomers at once) and campaign members start with the campaign's score.
Only the published files are read, through the shared contract (`aisac.contract.findings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aisac.contract.findings import read_accounts, read_campaigns


@dataclass
class Seed:
    #: account id -> (score, flagged, campaign id or "")
    accounts: dict[str, tuple[float, bool, str]] = field(default_factory=dict)
    #: campaign id -> score
    campaigns: dict[str, float] = field(default_factory=dict)

    def campaign_score(self, campaign: str) -> float:
        return self.campaigns.get(campaign, 0.0) if campaign else 0.0


def load_seed(accounts_csv: str | Path | None = None, campaigns_json: str | Path | None = None) -> Seed:
    """A seed from either file or both (a bad file raises `FindingsError` naming file, line or object, field).
    A campaign without a score in campaigns.json, or with no campaigns.json, takes its highest flagged
    member's score."""
    accounts = {
        a.account_id: (min(max(a.score, 0.0), 1.0), a.flagged, a.campaign)
        for a in (read_accounts(accounts_csv).values() if accounts_csv else ())
    }
    members: dict[str, float] = {}
    for score, flagged, campaign in accounts.values():
        if campaign and flagged:
            members[campaign] = max(members.get(campaign, 0.0), score)
    if not campaigns_json:
        return Seed(accounts, members)
    campaigns = {
        c.id: float(c.score) if c.score is not None else members.get(c.id, 0.0) for c in read_campaigns(campaigns_json)
    }
    return Seed(accounts, campaigns)
