"""`aisac demo`: the main job on embedded defaults: simulate a week, detect, evaluate, summarise."""

from __future__ import annotations

from pathlib import Path

import typer

from aisac.console import out, progress
from aisac.detect.registry import DETECTORS, make
from aisac.evaluate import harness, render
from aisac.evaluate.labels import read_labels
from aisac.logs.reader import read_log
from aisac.simulate.generator import simulate, write


def command(
    out_dir: Path = typer.Option(Path("demo-out"), "--out", help="Where the simulated log and results go."),
    seed: int = typer.Option(7, help="Simulation seed."),
    scale: float = typer.Option(0.3, help="Simulation scale (1.0 is about 1M requests a week)."),
) -> None:
    """Simulate a week of one lab's traffic, run every detector, and print how well each did."""
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
    out.print(f"Files: log {out_dir / 'log'}, labels {out_dir / 'labels.csv'}, "
              f"evaluation {harness.save(evals, out_dir)}")
