"""`aisac detect` end to end on a simulated week the detector never saw: contract, quality, explanations."""

from __future__ import annotations

import csv
import json

import duckdb
import pytest
from stix2validator import validate_file, validate_instance
from typer.testing import CliRunner

from aisac.cli import app
from aisac.contract.findings import read_campaigns
from aisac.contract.labels import read_labels
from aisac.detect.distill import DistillationDetector, evidence_groups
from aisac.evaluate.harness import run
from aisac.logs.reader import read_log

runner = CliRunner()


@pytest.fixture(scope="module")
def detected(small_week, tmp_path_factory):
    out = tmp_path_factory.mktemp("detect")
    result = runner.invoke(app, ["detect", str(small_week / "log"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def _csv(path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _labels(week):
    return {r["account_id"]: r for r in _csv(week / "labels.csv")}


def test_accounts_csv_has_every_account_of_the_input(small_week, detected):
    out, _ = detected
    rows = _csv(out / "accounts.csv")
    assert list(rows[0]) == ["account_id", "score", "flagged", "campaign", "reasons"]
    in_log = {
        a
        for (a,) in duckdb.sql(
            f"SELECT DISTINCT \"account.id\" FROM read_parquet('{small_week}/log/*.parquet')"
        ).fetchall()
    }
    assert {r["account_id"] for r in rows} == in_log
    assert {r["flagged"] for r in rows} <= {"true", "false"}
    for r in rows:
        assert 0.0 <= float(r["score"]) <= 1.0
        if r["flagged"] == "false":
            assert r["campaign"] == "" and r["reasons"] == ""
        else:
            assert r["campaign"].startswith("C-") and r["reasons"], r


def test_flags_the_campaigns_and_spares_heavy_customers(small_week, detected):
    out, _ = detected
    truth = _labels(small_week)
    rows = _csv(out / "accounts.csv")
    flagged = {r["account_id"] for r in rows if r["flagged"] == "true"}
    bad = {a for a, r in truth.items() if r["label"] == "distillation"}
    heavy = {
        a
        for a, r in truth.items()
        if r["persona"] in ("support_bot", "coding_agent", "aggregator", "enterprise_batch", "eval_lab")
    }
    assert len(flagged & bad) / len(flagged) >= 0.97
    assert len(flagged & bad) / len(bad) >= 0.9
    assert not flagged & heavy


def test_campaigns_carry_attribution_and_reasons(detected):
    out, output = detected
    campaigns = json.loads((out / "campaigns.json").read_text())
    assert campaigns and "Campaigns found" in output
    accounts = {r["account_id"]: r for r in _csv(out / "accounts.csv")}
    for c in campaigns:
        assert c["account_count"] == len(c["accounts"]) >= 1
        assert all(accounts[a]["campaign"] == c["id"] for a in c["accounts"])
        assert c["first_seen"] <= c["last_seen"]
        assert c["address_blocks"] and c["asns"] and c["models"] and c["reasons"]
        assert {"AML.T0024.002", "AML.T0040"} <= {t["id"] for t in c["atlas_techniques"]}
    biggest = campaigns[0]
    assert "AML.T0021" in {t["id"] for t in biggest["atlas_techniques"]}
    # the fixed contract: each campaign's stix_id is its campaign object in bundle.json, read back alike
    in_bundle = {o["id"]: o for o in json.loads((out / "bundle.json").read_text())["objects"]}
    assert all(in_bundle[c["stix_id"]]["type"] == "campaign" for c in campaigns)
    assert [c.stix_id for c in read_campaigns(out / "campaigns.json")] == [c["stix_id"] for c in campaigns]
    assert any("linked pairs" in r for r in biggest["reasons"])


def test_stix_validator_has_its_schemas():
    """The PyPI wheel has been seen without schemas; a known-good and a known-bad object tell."""
    good = {
        "type": "campaign",
        "spec_version": "2.1",
        "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "x",
    }
    assert validate_instance(good).is_valid
    assert not validate_instance({**good, "created": "yesterday"}).is_valid


def test_bundle_passes_stix2_validator(detected):
    out, _ = detected
    result = validate_file(str(out / "bundle.json"))
    assert result.is_valid, [str(e) for r in result.object_results for e in r.errors]
    bundle = json.loads((out / "bundle.json").read_text())
    types = {o["type"] for o in bundle["objects"]}
    assert {
        "campaign",
        "infrastructure",
        "indicator",
        "observed-data",
        "attack-pattern",
        "relationship",
        "identity",
        "marking-definition",
    } <= types
    sigma = [o for o in bundle["objects"] if o["type"] == "indicator" and o["pattern_type"] == "sigma"]
    assert sigma and all("product: llm_api" in o["pattern"] for o in sigma)
    atlas = {
        ref["external_id"]
        for o in bundle["objects"]
        if o["type"] == "attack-pattern"
        for ref in o["external_references"]
    }
    assert "AML.T0024.002" in atlas


def test_works_without_prompt_text(small_week, tmp_path):
    """Labs that may not keep prompts: the detector falls back on behaviour and infrastructure."""
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * EXCLUDE (\"gen_ai.input.messages\") FROM read_parquet('{small_week}/log/*.parquet'))"
        f" TO '{tmp_path / 'no_text.parquet'}'"
    )
    log = read_log([tmp_path / "no_text.parquet"])
    assert "text" not in evidence_groups(log)
    ((evaluation, findings),) = run(log, read_labels(small_week / "labels.csv"), [DistillationDetector()])
    assert evaluation.precision >= 0.95 and evaluation.recall >= 0.8
    assert (
        findings.accounts.num_rows
        == log.con.execute('SELECT count(DISTINCT "account.id") FROM requests').fetchall()[0][0]
    )


def test_bad_records_are_set_aside_and_the_run_completes(small_week, tmp_path):
    good = tmp_path / "mixed.jsonl"
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(
        f"COPY (SELECT * REPLACE (strftime(time, '%Y-%m-%dT%H:%M:%SZ') AS time, "
        f'strftime("account.created_at", \'%Y-%m-%dT%H:%M:%SZ\') AS "account.created_at") '
        f"FROM read_parquet('{small_week}/log/day-01.parquet')) TO '{good}' (FORMAT json)"
    )
    with open(good, "a") as f:
        f.write('{"time": "not a time", "account.id": "x"}\n{broken json\n')
    result = runner.invoke(app, ["detect", str(good), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "2 rejected" in result.output and "mixed.jsonl" in result.output
    assert (tmp_path / "out" / "accounts.csv").exists()
