"""`aisac detect`: find distillation in API logs; write accounts.csv, campaigns.json and a STIX bundle."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from aisac.console import EXIT_FOUND, console, fail, out
from aisac.detect import bundle
from aisac.detect.distill import DistillationDetector
from aisac.detect.publish import summary, write_findings
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
        fail(f"--tlp must be one of {', '.join(bundle.TLP2)}")
    try:
        rule_set = load_rules(rules or None)
    except RuleError as exc:
        fail(exc)
    start = time.perf_counter()
    log = load(paths, memory_limit=memory_limit)
    if log.rejected or any(f.error for f in log.files):
        report(log, limit=50)
    if log.records == 0:
        raise typer.Exit(EXIT_FOUND)
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
