"""What `aisac detect` publishes: accounts.csv, campaigns.json and bundle.json, and the campaigns table.

File formats are the shared contract (`aisac.contract.findings`); the STIX bundle is built here.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from aisac.contract.findings import ACCOUNT_COLUMNS, Campaign, write_accounts, write_campaigns
from aisac.detect import bundle
from aisac.detect.base import Findings
from aisac.detect.sigma.engine import SigmaRule


def write_findings(
    findings: Findings, rules: list[SigmaRule], out_dir: Path, *, lab: str = "aisac lab", tlp: str = "amber"
) -> None:
    """The output contract: accounts.csv, campaigns.json and bundle.json in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_accounts(findings.accounts.select(list(ACCOUNT_COLUMNS)).to_pylist(), out_dir / "accounts.csv")
    write_campaigns(findings.campaigns, out_dir / "campaigns.json")
    (out_dir / "bundle.json").write_text(
        json.dumps(bundle.build(findings.campaigns, rules, lab=lab, tlp=tlp), indent=1)
    )


def summary(campaigns: list[Campaign], limit: int = 10) -> Table:
    """The largest campaigns, one line each (campaigns.json has them all, with every reason)."""
    more = f" (largest {limit} of {len(campaigns)})" if len(campaigns) > limit else ""
    table = Table(title=f"Campaigns found{more}")
    for col in ("campaign", "score", "accounts", "requests", "first seen", "last seen", "ATLAS", "top reason"):
        table.add_column(col, justify="right" if col in ("score", "accounts", "requests") else "left")
    for c in campaigns[:limit]:
        reason = c.reasons[0] if c.reasons else ""
        table.add_row(
            c.id,
            f"{c.score or 0.0:.2f}",
            str(c.account_count),
            f"{c.requests:,}",
            c.first_seen,
            c.last_seen,
            " ".join(t["id"] for t in c.atlas_techniques),
            reason if len(reason) <= 80 else reason[:79] + "…",
        )
    return table
