"""The `volume` baseline through the harness and `aisac evaluate`, on a log whose counts are known."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.detect.volume import VolumeDetector
from aisac.logs.reader import read_log
from tests.conftest import line, record

runner = CliRunner()
START = datetime(2026, 4, 6, tzinfo=UTC)
COUNTS = {"big": 9, "edge": 5, "small": 4, "tiny": 1}  # requests per account; threshold 5 below


@pytest.fixture
def logfile(tmp_path):
    rows = [(a, START + timedelta(minutes=m)) for a, n in COUNTS.items() for m in range(n)]
    random.Random(1).shuffle(rows)  # records need not be sorted by time
    path = tmp_path / "log.jsonl"
    path.write_text("".join(line(record({"account.id": a, "time": t.isoformat()})) + "\n" for a, t in rows))
    (tmp_path / "labels.csv").write_text("account_id,label,persona,campaign\nbig,distillation,bulk_single,C1\n"
                                         "edge,benign,support_bot,\nsmall,distillation,hydra_cot,C2\n"
                                         "tiny,benign,hobbyist,\n")
    return path


def test_volume_flags_exactly_the_accounts_at_or_over_threshold(logfile):
    findings = VolumeDetector(threshold=5).detect(read_log([logfile]))
    rows = {r["account_id"]: r for r in findings.accounts.to_pylist()}
    assert set(rows) == set(COUNTS)
    assert {a for a, r in rows.items() if r["flagged"]} == {"big", "edge"}
    # The flag falls on the 5th request in time order (minute 4), whatever the order in the file.
    assert rows["big"]["first_flag_at"] == START + timedelta(minutes=4)
    assert rows["edge"]["first_flag_at"] == START + timedelta(minutes=4)
    assert rows["small"]["first_flag_at"] is None and rows["small"]["reasons"] == ""
    assert "9 requests, at or above the threshold of 5" in rows["big"]["reasons"]
    assert rows["big"]["score"] == pytest.approx(0.9) and rows["tiny"]["score"] == pytest.approx(0.1)


def test_evaluate_cli_prints_tables_and_writes_json(logfile, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["evaluate", "--logs", str(logfile), "--labels", str(tmp_path / "labels.csv"),
                                 "--detector", "volume", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for title in ("Detectors compared", "Campaigns: account recall", "Benign personas"):
        assert title in text
    [e] = json.loads((out / "evaluation.json").read_text())
    # Default threshold 2000: nothing here is flagged.
    assert e["detector"] == "volume" and e["flagged"] == 0 and e["positives"] == 2 and e["recall"] == 0
    assert {c["campaign"]: c["served_before_flag"] for c in e["campaigns"]} == {"C1": 9, "C2": 4}


def test_evaluate_cli_rejects_unknown_detector_and_bad_labels(logfile, tmp_path):
    labels = tmp_path / "labels.csv"
    result = runner.invoke(app, ["evaluate", "--logs", str(logfile), "--labels", str(labels), "--detector", "magic"])
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and "unknown detector 'magic'; known: distill, volume" in text
    labels.write_text("account_id,label,persona,campaign\nbig,maybe,x,\n")
    result = runner.invoke(app, ["evaluate", "--logs", str(logfile), "--labels", str(labels)])
    assert result.exit_code == 2 and f"{labels}:2 [label]: must be one of" in " ".join(result.output.split())
