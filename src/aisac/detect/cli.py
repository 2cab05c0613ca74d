"""`aisac detect`: find distillation in API logs; write accounts.csv, campaigns.json and a STIX bundle."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import typer
from rich.table import Table

from aisac.console import console, out
from aisac.detect import bundle
from aisac.detect.distill import DistillationDetector
from aisac.detect.sigma.engine import RuleError, load_rules
from aisac.logs.cli import load, report


def command(
    paths: list[Path] = typer.Argument(..., help="Log files or directories (api-log-v1)."),
    out_dir: Path = typer.Option(..., "--out", help="Directory for accounts.csv, campaigns.json, bundle.json."),
    rules: list[Path] = typer.Option(None, "--rules", help="Sigma rule files or directories (default: packaged)."),
    model: Path = typer.Option(None, help="Detector weights (default: packaged model.json)."),
    lab: str = typer.Option("aisac lab", help="Name of the reporting lab in the STIX bundle."),
    tlp: str = typer.Option("amber", help=f"TLP 2.0 marking of the bundle: {', '.join(bundle.TLP2)}."),
    memory_limit: str = typer.Option(None, help="Cap DuckDB's memory (e.g. 4GB); beyond it, work spills to disk."),
) -> None:
    """Score every account, group flagged accounts into campaigns, attribute and explain each."""
    if tlp not in bundle.TLP2:
        console.print(f"[red]error:[/red] --tlp must be one of {', '.join(bundle.TLP2)}")
        raise typer.Exit(2)
    try:
        rule_set = load_rules(rules or None)
    except RuleError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    start = time.perf_counter()
    log = load(paths, memory_limit=memory_limit)
    if log.rejected or any(f.error for f in log.files):
        report(log, limit=50)
    if log.records == 0:
        raise typer.Exit(1)
    detector = DistillationDetector(model_path=model, rules_paths=rules or None)
    with console.status(f"analysing {log.records:,} requests"):
        findings = detector.detect(log)
    write_findings(findings, rule_set, out_dir, lab=lab, tlp=tlp)
    seconds = time.perf_counter() - start
    out.print(summary(findings.campaigns))
    flagged = sum(findings.accounts["flagged"].to_pylist())
    out.print(
        f"{log.records:,} requests, {findings.accounts.num_rows:,} accounts, {flagged:,} flagged in "
        f"{len(findings.campaigns)} campaigns ({seconds:.1f} s, {log.records / seconds:,.0f} records/s; "
        f"evidence: {', '.join(detector.last['groups'])})"
    )
    out.print(f"wrote {out_dir / 'accounts.csv'}, {out_dir / 'campaigns.json'}, {out_dir / 'bundle.json'}")


def write_findings(findings, rules, out_dir: Path, *, lab: str = "aisac lab", tlp: str = "amber") -> None:
    """The output contract: accounts.csv, campaigns.json and bundle.json in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for c in findings.campaigns:
        c["stix_id"] = bundle.campaign_id(c["id"])
    write_accounts(findings.accounts, out_dir / "accounts.csv")
    (out_dir / "campaigns.json").write_text(json.dumps(findings.campaigns, indent=2, default=str))
    (out_dir / "bundle.json").write_text(
        json.dumps(bundle.build(findings.campaigns, rules, lab=lab, tlp=tlp), indent=1)
    )


def write_accounts(table, path: Path) -> None:
    """accounts.csv: `account_id,score,flagged,campaign,reasons`, one row per account of the input."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["account_id", "score", "flagged", "campaign", "reasons"])
        for row in table.select(["account_id", "score", "flagged", "campaign", "reasons"]).to_pylist():
            writer.writerow(
                [
                    row["account_id"],
                    f"{row['score']:.4f}",
                    "true" if row["flagged"] else "false",
                    row["campaign"] or "",
                    row["reasons"],
                ]
            )


def summary(campaigns: list[dict], limit: int = 10) -> Table:
    """The largest campaigns, one line each (campaigns.json has them all, with every reason)."""
    more = f" (largest {limit} of {len(campaigns)})" if len(campaigns) > limit else ""
    table = Table(title=f"Campaigns found{more}")
    for col in ("campaign", "score", "accounts", "requests", "first seen", "last seen", "ATLAS", "top reason"):
        table.add_column(col, justify="right" if col in ("score", "accounts", "requests") else "left")
    for c in campaigns[:limit]:
        reason = c["reasons"][0] if c["reasons"] else ""
        table.add_row(
            c["id"],
            f"{c['score']:.2f}",
            str(c["account_count"]),
            f"{c['requests']:,}",
            c["first_seen"],
            c["last_seen"],
            " ".join(t["id"] for t in c["atlas_techniques"]),
            reason if len(reason) <= 80 else reason[:79] + "…",
        )
    return table
