"""Generator families: `field` is a different population with its own wording and logging, deterministic per
seed; the default family is unchanged by the family switch."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from aisac.cli import app
from aisac.logs.reader import read_log
from aisac.simulate.families import FAMILIES, HEAVY_BENIGN
from aisac.simulate.generator import parse_mix, simulate

runner = CliRunner()


@pytest.fixture(scope="module")
def field_week():
    return simulate(days=5, seed=31, scale=0.08, family="field")


@pytest.fixture(scope="module")
def db(field_week):
    con = duckdb.connect()
    con.register("log", field_week.log)
    con.register("labels", field_week.labels)
    con.execute("""CREATE TABLE r AS SELECT l.persona, l.label, q.* FROM log q
                   JOIN labels l ON l.account_id = q."account.id" """)
    return con


def test_default_family_is_the_original_generator():
    a = simulate(days=2, seed=5, scale=0.02)
    b = simulate(days=2, seed=5, scale=0.02, family="default")
    assert a.log.equals(b.log) and a.labels.equals(b.labels)


def test_field_family_is_deterministic_and_seed_dependent(field_week):
    again = simulate(days=5, seed=31, scale=0.08, family="field")
    assert again.log.equals(field_week.log)
    other = simulate(days=5, seed=32, scale=0.08, family="field")
    assert not other.log.equals(field_week.log)


def test_every_field_kind_and_hard_negative_is_present(field_week):
    labels = field_week.labels.to_pylist()
    kinds = {r["persona"] for r in labels if r["label"] == "distillation"}
    assert kinds == set(FAMILIES["field"].kinds)
    personas = {r["persona"] for r in labels if r["label"] == "benign"}
    assert {"tutoring_app", "eval_lab", "enterprise_batch", "coding_agent", "aggregator"} <= personas
    assert set(FAMILIES["field"].heavy) <= set(HEAVY_BENIGN)


def test_logging_quirks_max_tokens_always_temperature_and_conversation_never(db):
    nulls = db.execute("""SELECT count(*) FILTER ("gen_ai.request.max_tokens" IS NULL),
                             count(*) FILTER ("gen_ai.request.temperature" IS NOT NULL),
                             count(*) FILTER ("gen_ai.conversation.id" IS NOT NULL) FROM r""").fetchall()[0]
    assert nulls == (0, 0, 0)


def test_campaign_wording_varies_and_spans_languages(db):
    text = "json_extract_string(\"gen_ai.input.messages\", '$[#-1].parts[0].content')"
    top_opening = db.execute(f"""SELECT max(c) / sum(c) FROM (SELECT left({text}, 20) o, count(*) c FROM r
                             WHERE persona = 'reasoning_hydra' GROUP BY o)""").fetchall()[0][0]
    assert top_opening < 0.1
    scripts = db.execute(f"""SELECT count(*) FILTER (regexp_matches({text}, '[\\x{{4e00}}-\\x{{9fff}}]')),
                                count(*) FILTER (regexp_matches({text}, '[а-я]')),
                                count(*) FILTER (regexp_matches({text}, '[가-힣]'))
                         FROM r WHERE label = 'distillation'""").fetchall()[0]
    assert all(n > 0 for n in scripts)


def test_release_bursts_come_from_benign_users_too(db):
    """The new model's first hour of use is not campaign-only: eval labs and keen people jump at once."""
    rows = db.execute("""WITH first AS (SELECT min(time) t0 FROM r WHERE "gen_ai.request.model" = 'helios-4.5')
                     SELECT DISTINCT persona FROM r, first WHERE "gen_ai.request.model" = 'helios-4.5'
                       AND label = 'benign' AND time < t0 + INTERVAL 12 HOUR""").fetchall()
    assert {"eval_lab"} <= {p for (p,) in rows} and len(rows) >= 2


def test_mix_is_checked_against_the_family():
    assert parse_mix("harness_hydra=2", "field") == {"harness_hydra": 2}
    with pytest.raises(ValueError, match="unknown campaign kind 'hydra_cot'"):
        parse_mix("hydra_cot", "field")


def test_cli_family_option(tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--days", "2", "--scale", "0.02",
                                 "--family", "field", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert read_log([tmp_path / "log"]).records > 0
    bad = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--family", "nope"])
    assert bad.exit_code == 2 and "unknown family 'nope'" in bad.output
