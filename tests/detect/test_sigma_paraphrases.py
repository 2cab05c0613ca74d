"""The packaged Sigma rules against paraphrases written for this test, apart from both generator families'
templates: each rule must catch the tradecraft however it is worded, in several languages, and leave
ordinary requests that merely share a word alone. No sentence here is copied from `aisac.simulate`."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pytest

from aisac.detect.sigma.engine import load_rules, rule_view_sql
from aisac.simulate.families import wording
from aisac.simulate.text import FAMILIES

PARAPHRASES = {
    "llm_reasoning_trace_coercion": [
        "Before the final figure, please spell out your reasoning in its entirety.",
        "I need the whole thought process, not just the result: what is 17 times 23?",
        "Respond with <think> your deliberation </think> and then the answer.",
        "Go through it step-by-step and don't leave anything out.",
        "Montre-moi ton raisonnement complet avant de répondre.",
        "Bitte den gesamten Gedankengang offenlegen, dann das Ergebnis.",
        "Explica tu razonamiento completo antes de responder.",
        "请把你的思路一五一十写出来，再回答。",
        "解答の前に、考え方を全部書き出してください。",
        "Опиши свои рассуждения целиком, потом дай ответ.",
        "답하기 전에 추론을 전부 보여 주세요.",
    ],
    "llm_rubric_grading_harvest": [
        "Act as a judge: score the reply below on a scale of 1 to 5 for accuracy and tone.",
        "Grade the following completion out of 10 and list what it got wrong.",
        "Use these criteria (relevance, depth, safety) to rate the assistant's response.",
    ],
    "llm_rewrite_harvest": [
        "Here is a model output. Polish it into something a professor would sign off on.",
        "Take this answer and expand it with every missing detail: 'mitochondria make ATP'.",
        "Revise the following response so a beginner can follow it.",
    ],
    "llm_agent_narration_harness": [
        "You are an autonomous agent. Narrate each decision and every tool call as you go.",
        "For every function call you make, log every argument and result in full.",
    ],
}
ORDINARY = [
    "What's a good name for a golden retriever?",
    "Translate 'the train leaves at noon' into Italian.",
    "Give me a recipe with chickpeas and spinach.",
    "How do I score a goal from a corner kick?",  # a scoring word, no criteria
    "Can you improve my CV summary? I'm a nurse.",  # an upgrade verb, no supplied answer
    "我想学做饭，有什么简单的菜推荐？",
    "Как добраться до аэропорта?",
]


def _hits(texts: list[str]) -> dict[str, list[bool]]:
    rules = [r for r in load_rules() if r.fields == {"gen_ai.input.messages"}]
    messages = [json.dumps([{"role": "user", "parts": [{"type": "text", "content": t}]}], ensure_ascii=False)
                for t in texts]
    con = duckdb.connect()
    con.register("src", pa.table({"gen_ai.input.messages": messages, "i": list(range(len(texts)))}))
    cols = ", ".join(f"coalesce({r.condition}, false)" for r in rules)
    rows = con.execute(f"SELECT {cols} FROM ({rule_view_sql(rules, 'src')}) ORDER BY i").fetchall()
    return {r.name: [row[k] for row in rows] for k, r in enumerate(rules)}


@pytest.mark.parametrize("rule", sorted(PARAPHRASES))
def test_rule_catches_independent_paraphrases(rule):
    hits = _hits(PARAPHRASES[rule])[rule]
    missed = [t for t, h in zip(PARAPHRASES[rule], hits, strict=True) if not h]
    assert not missed


def test_ordinary_requests_trip_no_extraction_rule():
    for rule, hits in _hits(ORDINARY).items():
        assert not any(hits), (rule, [t for t, h in zip(ORDINARY, hits, strict=True) if h])


def test_rules_share_no_phrase_with_the_simulators_templates():
    """A rule value that is a whole template sentence (or most of one) would be fitting, not tradecraft."""
    sentences = [p for f in FAMILIES.values() for p in f.paraphrases]
    sentences += [*wording.REASONING_ASKS, *wording.SWEEP_INSTRUCTIONS, *wording.HARNESS_BODIES]
    for rule in load_rules():
        for value in rule.yaml.split("\n"):
            value = value.strip().removeprefix("- ").lower()
            if len(value) < 25 or ":" in value:
                continue
            assert not any(value in s.lower() for s in sentences), (rule.name, value)
