"""Run detectors over one log and score each against the same labels, for one comparison table."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from aisac.contract.labels import Label
from aisac.detect.base import Detector, Findings
from aisac.evaluate.metrics import Evaluation, evaluate
from aisac.logs.reader import Log


def run(
    log: Log, labels: Mapping[str, Label], detectors: Sequence[Detector]
) -> list[tuple[Evaluation, Findings]]:
    results = []
    for detector in detectors:
        start = time.perf_counter()
        findings = detector.detect(log)
        seconds = time.perf_counter() - start
        results.append((evaluate(log, findings, labels, detector.name, seconds), findings))
    return results


def save(evaluations: Sequence[Evaluation], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "evaluation.json"
    path.write_text(json.dumps([e.to_dict() for e in evaluations], indent=2, default=str))
    return path
