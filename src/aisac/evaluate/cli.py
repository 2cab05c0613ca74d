"""`aisac evaluate`: score detectors against labels, side by side in one table."""

from __future__ import annotations

from pathlib import Path

import typer

from aisac.console import console, fail, out
from aisac.contract.labels import LabelError, read_labels
from aisac.detect.registry import DETECTORS, make
from aisac.evaluate import harness, render
from aisac.logs.cli import load


def command(
    logs: list[Path] = typer.Option(..., "--logs", help="Log files or directories."),
    labels: Path = typer.Option(..., help="labels.csv (account_id,label,persona,campaign)."),
    detector: list[str] = typer.Option(["volume"], help=f"Detector(s) to compare: {', '.join(sorted(DETECTORS))}."),
    out_dir: Path = typer.Option(None, "--out", help="Directory for evaluation.json."),
) -> None:
    """Account precision/recall/F1, recall per campaign, heavy-benign FPR, grouping, exchanges before flag."""
    try:
        truth = read_labels(labels)
        detectors = [make(name) for name in detector]
    except (LabelError, ValueError) as exc:
        fail(exc)
    log = load(logs)
    with console.status("running detectors"):
        results = harness.run(log, truth, detectors)
    evals = [e for e, _ in results]
    for table in (render.summary(evals), render.by_campaign(evals), render.by_persona(evals)):
        out.print(table)
    if out_dir:
        out.print(f"wrote {harness.save(evals, out_dir)}")
