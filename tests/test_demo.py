"""`make demo`, minus the venv: `aisac demo` simulates, evaluates and prints a summary with real numbers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs.reader import read_log


def test_demo_writes_files_and_prints_the_summary(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--scale", "0.05", "--pact-scale", "0.03"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    logs = sorted((out / "log").glob("day-*.parquet"))
    assert len(logs) == 7 and (out / "labels.csv").exists()
    evals = {e["detector"]: e for e in json.loads((out / "evaluation.json").read_text())}
    assert set(evals) == {"volume", "distill"}
    e = evals["volume"]
    log = read_log([out / "log"])
    assert f"Simulated {log.records:,} requests" in text
    assert e["accounts"] == log.con.execute('SELECT count(DISTINCT "account.id") FROM requests').fetchall()[0][0]
    for title in ("Detectors compared", "Campaigns: account recall", "Benign personas"):
        assert title in text
    # The volume baseline catches the naive bulk extractor and misses the hydra networks.
    campaigns = {c["kind"]: c["recall"] for c in e["campaigns"]}
    assert campaigns["bulk_single"] == 1.0 and campaigns["hydra_cot"] == 0.0
    assert f"evaluation {out / 'evaluation.json'}" in text
    # The distillation detector catches the hydras, and its findings follow the output contract.
    distill = {c["kind"]: c["recall"] for c in evals["distill"]["campaigns"]}
    assert distill["hydra_cot"] >= 0.9 and evals["distill"]["heavy_fpr"] == 0.0
    assert "Campaigns found" in text and "was flagged" in text
    for name in ("accounts.csv", "campaigns.json", "bundle.json"):
        assert (out / "detect" / name).exists()

    # the pact: three labs shared through a real local hub, the chair's clusters and intrusion sets
    for title in ("What each lab saw alone", "Operators that crossed labs", "MISP-style exact-overlap join"):
        assert title in text
    clusters = json.loads((out / "pact" / "forum" / "clusters.json").read_text())["clusters"]
    crossing = [c for c in clusters if len(c["labs"]) > 1]
    assert crossing and f"{len(crossing)} intrusion sets landed in the hub" in text
    assert (out / "pact" / "operators.csv").exists() and (out / "pact" / "hub" / "hub.db").exists()
