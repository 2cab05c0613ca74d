"""`aisac demo`: the main job on embedded defaults: simulate a week, detect, evaluate, summarise."""

from __future__ import annotations

from pathlib import Path

import typer

from aisac.console import out, progress
from aisac.contract.labels import read_labels
from aisac.detect.publish import summary, write_findings
from aisac.detect.registry import DETECTORS, make
from aisac.detect.sigma.engine import load_rules
from aisac.evaluate import harness, render
from aisac.logs.reader import read_log
from aisac.simulate.generator import simulate, write


def command(
    out_dir: Path = typer.Option(Path("demo-out"), "--out", help="Where the simulated log and results go."),
    seed: int = typer.Option(7, help="Simulation seed."),
    scale: float = typer.Option(0.3, help="Simulation scale (1.0 is about 1M requests a week)."),
    pact: bool = typer.Option(True, help="Then show the pact: three labs share through a local hub."),
    pact_scale: float = typer.Option(0.05, help="Scale of each of the three labs in the pact part."),
) -> None:
    """Simulate a week of one lab's traffic, run every detector, and print how well each did; then the pact.

    The pact: three labs detect, share through a local hub, and the working group's chair correlates."""
    with progress("simulating a week of traffic", 1) as advance:
        sim = simulate(7, seed, scale)
        write(sim, out_dir)
        advance()
    out.print(f"[bold]Simulated[/bold] {sim.log.num_rows:,} requests from {sim.labels.num_rows:,} accounts "
              f"({sum(1 for x in sim.labels['label'].to_pylist() if x == 'distillation'):,} in distillation "
              f"campaigns) -> {out_dir / 'log'}")
    log = read_log([out_dir / "log"])
    with progress("running detectors", len(DETECTORS)) as advance:
        detectors = [make(name) for name in DETECTORS]
        results = harness.run(log, read_labels(out_dir / "labels.csv"), detectors)
        advance(len(detectors))
    evals = [e for e, _ in results]
    for table in (render.summary(evals), render.by_campaign(evals), render.by_persona(evals)):
        out.print(table)
    findings = dict(zip(DETECTORS, (f for _, f in results), strict=True))["distill"]
    write_findings(findings, load_rules(), out_dir / "detect")
    out.print(summary(findings.campaigns))
    if findings.campaigns:
        top = findings.campaigns[0]
        out.print(f"[bold]Why {top.id} was flagged[/bold] ({top.account_count} accounts, "
                  f"{top.requests:,} requests):")
        for reason in top.reasons:
            out.print(f"  - {reason}", highlight=False)
    out.print(f"Files: log {out_dir / 'log'}, labels {out_dir / 'labels.csv'}, "
              f"evaluation {harness.save(evals, out_dir)}, findings {out_dir / 'detect'} "
              "(accounts.csv, campaigns.json, bundle.json)")
    if pact:
        from aisac.forum import demo as pact_demo

        out.rule("[bold]The pact: three labs share what they detect; the working group correlates[/bold]")
        pact_demo.run(out_dir / "pact", seed, pact_scale)
        out.print(f"Files: {out_dir / 'pact'} (each lab's log and detection, hub/hub.db, forum/clusters.json)")
