"""The simulator: deterministic, complete, valid per the reader, and shaped like the traffic it claims to be."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs.reader import read_log
from aisac.simulate.generator import DEFAULT_START, simulate, write
from aisac.simulate.personas import CAMPAIGNS
from aisac.simulate.world import MODELS, NEW_MODEL, RELEASE_DAY

runner = CliRunner()
BENIGN_PERSONAS = {"hobbyist", "developer", "support_bot", "coding_agent", "aggregator", "enterprise_batch",
                   "eval_lab", "team_member", "cron_script"}
DAY_S = 86_400
RELEASE_S = int(DEFAULT_START.timestamp()) + RELEASE_DAY * DAY_S


@pytest.fixture(scope="module")
def sim():
    return simulate(days=5, seed=11, scale=0.05)


@pytest.fixture(scope="module")
def db(sim):
    """The simulated log and labels in DuckDB, with one row per account and day."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("log", sim.log)
    con.register("labels", sim.labels)
    con.execute("""
        CREATE TABLE per_day AS
        SELECT l.persona, l.label, l.campaign, r."account.id" AS account, date_trunc('day', r.time) AS day,
               count(*) AS n
        FROM log r JOIN labels l ON l.account_id = r."account.id" GROUP BY ALL
    """)
    return con


def test_same_seed_same_table_other_seed_different():
    a, b = simulate(days=2, seed=5, scale=0.02), simulate(days=2, seed=5, scale=0.02)
    assert a.log.equals(b.log) and a.labels.equals(b.labels)
    c = simulate(days=2, seed=6, scale=0.02)
    assert not c.log.equals(a.log)
    assert set(c.labels["account_id"].to_pylist()).isdisjoint(a.labels["account_id"].to_pylist())


def test_every_persona_and_campaign_kind_is_present_and_labelled(sim, db):
    labels = sim.labels.to_pylist()
    personas = {r["persona"] for r in labels if r["label"] == "benign"}
    assert personas == BENIGN_PERSONAS
    kinds = {r["persona"] for r in labels if r["label"] == "distillation"}
    assert kinds == set(CAMPAIGNS)
    assert all(r["campaign"] for r in labels if r["label"] == "distillation")
    assert all(not r["campaign"] for r in labels if r["label"] == "benign")
    assert len({r["account_id"] for r in labels}) == len(labels)
    unlabelled = db.execute(
        'SELECT count(*) FROM log WHERE "account.id" NOT IN (SELECT account_id FROM labels)').fetchall()
    assert unlabelled == [(0,)]
    # Every kind actually sends traffic.
    sending = {p for (p,) in db.execute("SELECT DISTINCT persona FROM per_day").fetchall()}
    assert sending == BENIGN_PERSONAS | set(CAMPAIGNS)


def test_written_log_is_valid_per_the_reader(sim, tmp_path):
    files = write(sim, tmp_path, "parquet")
    assert [f.name for f in files] == [f"day-{d:02d}.parquet" for d in range(1, 6)]
    log = read_log([tmp_path / "log"])
    assert log.rejected == 0 and log.issues().num_rows == 0
    assert log.records == sim.log.num_rows and log.duplicates == 0
    header = (tmp_path / "labels.csv").read_text().splitlines()[0]
    assert header == "account_id,label,persona,campaign"


def test_messages_are_opentelemetry_json(sim, db):
    bad = db.execute("""SELECT count(*) FROM log WHERE NOT json_valid("gen_ai.input.messages")""").fetchall()
    assert bad == [(0,)]
    sample = sim.log["gen_ai.input.messages"].take(pa.array(range(0, sim.log.num_rows, 97))).to_pylist()
    for text in sample:
        messages = json.loads(text)
        assert messages and messages[-1]["role"] == "user"
        for m in messages:
            assert set(m) == {"role", "parts"} and m["role"] in {"system", "user", "assistant"}
            assert [set(p) for p in m["parts"]] == [{"type", "content"}]
            assert m["parts"][0]["type"] == "text" and m["parts"][0]["content"].strip()


def test_prompts_vary(db):
    distinct, total = db.execute("""
        SELECT count(DISTINCT json_extract_string("gen_ai.input.messages", '$[-1].parts[0].content')), count(*)
        FROM log""").fetchall()[0]
    assert distinct > 1000 and distinct / total > 0.01


def _median_per_day(db, where: str) -> float:
    return db.execute(f"SELECT median(n) FROM per_day WHERE {where}").fetchall()[0][0]


def test_hydra_campaigns_are_many_small_accounts(db):
    for kind in ("hydra_cot", "hydra_rubric"):
        accounts = db.execute(f"SELECT count(DISTINCT account) FROM per_day WHERE persona = '{kind}'").fetchall()
        assert accounts[0][0] >= 15
        assert 10 <= _median_per_day(db, f"persona = '{kind}'") < 100  # tens of requests a day


def test_heavy_benign_personas_have_high_volume(db):
    for persona in ("support_bot", "coding_agent", "aggregator"):
        assert _median_per_day(db, f"persona = '{persona}'") > 1000, persona
    assert _median_per_day(db, "persona = 'enterprise_batch'") > 300
    assert _median_per_day(db, "persona = 'hobbyist'") < 30


def test_new_model_only_after_release(db):
    first = db.execute(
        f"""SELECT min(epoch(time)) FROM log WHERE "gen_ai.request.model" = '{MODELS[NEW_MODEL]}'""").fetchall()
    assert first[0][0] >= RELEASE_S


def test_pivot_campaign_moves_to_new_model_within_a_day(db):
    new = MODELS[NEW_MODEL]
    first_on_new, share_after = db.execute(f"""
        SELECT min(epoch(time)) FILTER ("gen_ai.request.model" = '{new}'),
               avg(("gen_ai.request.model" = '{new}')::INT) FILTER (epoch(time) >= {RELEASE_S + DAY_S})
        FROM log JOIN labels ON account_id = "account.id" WHERE persona = 'pivot'""").fetchall()[0]
    assert RELEASE_S <= first_on_new < RELEASE_S + DAY_S
    assert share_after > 0.8


def test_mix_runs_only_the_campaigns_asked_for(tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--days", "2", "--scale", "0.02",
                                 "--mix", "hydra_cot=2,pivot", "--seed", "3"])
    assert result.exit_code == 0, result.output
    labels = (tmp_path / "labels.csv").read_text().splitlines()[1:]
    campaigns = {row.split(",")[3] for row in labels if ",distillation," in row}
    assert campaigns == {"C01-hydra_cot", "C02-hydra_cot", "C03-pivot"}


@pytest.mark.parametrize(("mix", "message"), [
    ("hydra_cot=1,nope=2", "unknown campaign kind 'nope'; known: hydra_cot, hydra_rubric"),
    ("hydra_cot=x", "campaign count for 'hydra_cot' must be a whole number, got 'x'"),
])
def test_mix_rejects_bad_specs_clearly(tmp_path, mix, message):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--days", "1", "--mix", mix])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "labels.csv").exists()


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz"])
def test_json_lines_output_is_readable(tmp_path, fmt):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--days", "2", "--scale", "0.02",
                                 "--format", fmt, "--seed", "4"])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "log").iterdir())
    assert [f.name for f in files] == [f"day-01.{fmt}", f"day-02.{fmt}"]
    log = read_log([tmp_path / "log"])
    expected = simulate(days=2, seed=4, scale=0.02)
    assert log.rejected == 0 and log.records == expected.log.num_rows
    assert f"{expected.log.num_rows:,} requests" in " ".join(result.output.split())


def test_day_files_hold_utc_calendar_days(sim, tmp_path):
    write(sim, tmp_path, "parquet")
    for n, path in enumerate(sorted((tmp_path / "log").glob("day-*.parquet"))):
        log = read_log([path])
        first, last = log.con.execute("SELECT min(epoch(time)), max(epoch(time)) FROM requests").fetchall()[0]
        day_start = DEFAULT_START.timestamp() + n * DAY_S
        assert day_start <= first and last < day_start + DAY_S, path.name
