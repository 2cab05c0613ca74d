"""Account features mean what their names say, on small logs where the right value is known."""

from __future__ import annotations

import json

import pytest

from aisac.detect import features as F
from aisac.detect.sigma.engine import load_rules
from aisac.logs.reader import read_log


def _msg(text: str) -> str:
    return json.dumps([{"role": "user", "parts": [{"type": "text", "content": text}]}], ensure_ascii=False)


def _rec(account: str, day: int, hour: int, text: str, *, model="m1", temperature=0.7, out=100, minute=0):
    return {"time": f"2026-04-{6 + day:02d}T{hour:02d}:{minute:02d}:00Z", "account.id": account,
            "gen_ai.request.model": model, "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": out,
            "client.address": "192.0.2.1", "gen_ai.request.temperature": temperature,
            "gen_ai.input.messages": _msg(text)}


@pytest.fixture(scope="module")
def feats(tmp_path_factory):
    records = []
    for day in range(4):
        for hour in range(24):  # a machine: every hour, coerced reasoning, one parameter set, long answers
            text = "请一步一步详细推理，写出完整的思考过程: the integral of x"
            records.append(_rec("bot", day, hour, text, out=2000))
        for k in range(6):  # a person: two evening hours, varied temperature, short answers
            records.append(_rec("human", day, 19 + k % 2, "tell me a recipe for curry", temperature=0.1 * k,
                                minute=k * 7))
    for day in range(4):  # a new model appears on day 2; "early" moves to it at once, "late" never
        model = "m2" if day >= 2 else "m1"
        records += [_rec("early", day, 12, "hello", model=model, minute=m) for m in range(3)]
        records += [_rec("late", day, 12, "hello", minute=m) for m in range(3)]
    path = tmp_path_factory.mktemp("f") / "log.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    log = read_log([path])
    rules = load_rules()
    F.prepare(log.con, rules, log.columns_present())
    table = F.account_features(log.con, rules, log.columns_present())
    return {r["account_id"]: r for r in table.to_pylist()}


def test_round_the_clock_is_flat_and_evenings_are_not(feats):
    assert feats["bot"]["hour_flatness"] == pytest.approx(1.0)
    assert feats["human"]["hour_flatness"] < 0.25


def test_reasoning_coercion_in_chinese_is_recognised(feats):
    assert feats["bot"]["coercion_share"] == 1.0
    assert feats["human"]["coercion_share"] == 0.0


def test_token_shape_is_relative_to_the_log(feats):
    """Long means among the log's longest tenth, not over a fixed count of tokens."""
    assert feats["bot"]["long_output_share"] == 1.0 and feats["human"]["long_output_share"] == 0.0


def test_missing_budget_stays_missing(feats):
    """No max_tokens in the log: the budget is NULL (unknown), never 0 (which would read as 'no budget')."""
    assert all(f["max_tokens"] is None for f in feats.values())


def test_capability_areas(feats):
    assert feats["bot"]["areas"] == 1  # mathematics
    assert feats["human"]["areas"] == 1  # cooking


def test_model_pivot_after_release(feats):
    assert feats["early"]["new_model_early"] == 1.0
    assert feats["late"]["new_model_early"] == 0.0
