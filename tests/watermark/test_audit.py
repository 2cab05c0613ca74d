"""Radioactivity on the n-gram tier: students trained on watermarked teacher text carry the signal."""

from __future__ import annotations

import numpy as np
import pytest

from aisac.watermark.audit import (
    AuditFilters,
    budget_from_pilot,
    closed_pairs,
    open_pairs,
    prompted_pairs,
    run_audit,
)
from aisac.watermark.ngram import BigramLM, generate
from aisac.watermark.schemes import scheme_for

SEQ = 250


@pytest.fixture(scope="module")
def setting(teacher, corpus_docs, human_docs, vocab, fixed_key):
    """Per scheme: the key, the teacher's watermarked outputs, students at rho = 0 and rho = 10%."""
    rng = np.random.default_rng(5)
    human_tokens = sum(len(d) for d in human_docs)
    out = {}
    for name, key in {
        "kgw": fixed_key("kgw", 11, gamma=0.25, delta=2.0, context_width=1),
        "gumbel": fixed_key("gumbel", 12, context_width=1, streams=1),
    }.items():
        scheme = scheme_for(key)
        prompts = np.stack([d[:1] for d in corpus_docs[:200]])
        wm = generate(teacher, prompts, SEQ, rng, scheme.logits_processor(rng))
        students = {}
        for rho in (0.0, 0.1):
            n_wm = int(rho * human_tokens / (1 - rho)) // SEQ
            students[rho] = BigramLM(vocab).fit([*human_docs, *wm[:n_wm]])
        out[name] = (key, wm, students)
    return out


@pytest.mark.parametrize("scheme_name", ["kgw", "gumbel"])
def test_closed_and_open_mode_signal_only_when_trained_on_watermarks(setting, corpus_docs, scheme_name) -> None:
    key, wm, students = setting[scheme_name]
    scheme = scheme_for(key)
    rng = np.random.default_rng(9)
    prompts = np.stack([d[:1] for d in corpus_docs[:300]])
    probes = list(wm)
    p = {}
    for rho, student in students.items():
        outputs = list(generate(student, prompts, SEQ, rng))
        closed = scheme.detect_scores(closed_pairs(scheme, outputs), len(outputs) * SEQ)
        opened = scheme.detect_scores(open_pairs(scheme, student, probes), len(probes) * SEQ)
        p[rho] = (closed.p_value, opened.p_value)
    assert p[0.0][0] > 1e-3 and p[0.0][1] > 1e-3
    assert p[0.1][1] < 1e-3
    if scheme_name == "kgw":
        assert p[0.1][0] < 1e-5


def test_wrong_key_finds_nothing_in_a_contaminated_student(setting, corpus_docs, fixed_key) -> None:
    _, _, students = setting["kgw"]
    rng = np.random.default_rng(3)
    outputs = list(generate(students[0.1], np.stack([d[:1] for d in corpus_docs[:200]]), SEQ, rng))
    p = []
    for i in range(20):
        wrong = scheme_for(fixed_key("kgw", 1000 + i, context_width=1))
        p.append(wrong.detect_scores(closed_pairs(wrong, outputs), 1).p_value)
    assert min(p) > 1e-3


def test_excluded_pairs_are_not_scored(setting) -> None:
    key, wm, _ = setting["kgw"]
    scheme = scheme_for(key)
    docs, prompts = list(wm[:30]), list(wm[25:40])
    pairs = closed_pairs(scheme, docs, AuditFilters(exclude=prompts))
    banned = np.concatenate([scheme.pair_scores(d).ids for d in prompts])
    assert pairs.ids.size > 0 and not np.isin(pairs.ids, banned).any()
    assert pairs.ids.size < closed_pairs(scheme, docs).ids.size


def test_open_mode_confidence_filter(setting) -> None:
    key, wm, students = setting["kgw"]
    scheme = scheme_for(key)
    everything = open_pairs(scheme, students[0.1], list(wm[:20]))
    unsure = open_pairs(scheme, students[0.1], list(wm[:20]), AuditFilters(max_top_prob=0.2))
    assert 0 < unsure.ids.size < everything.ids.size


def test_budget_from_a_pilot(setting, corpus_docs) -> None:
    key, _, students = setting["kgw"]
    scheme = scheme_for(key, min_tokens=1)
    rng = np.random.default_rng(4)
    pilot = list(generate(students[0.1], np.stack([d[:1] for d in corpus_docs[:40]]), SEQ, rng))
    found = scheme.detect_scores(closed_pairs(scheme, pilot), 40 * SEQ)
    strict, loose = budget_from_pilot(scheme, found, 1e-5), budget_from_pilot(scheme, found, 1e-3)
    assert strict.effect_per_pair > 0 and 0 < strict.distinct_per_token <= 1
    assert loose.tokens_needed < strict.tokens_needed
    halved = budget_from_pilot(scheme, found, 1e-5, scale=0.5)
    assert 3 * strict.pairs_needed < halved.pairs_needed < 5 * strict.pairs_needed  # n grows like 1/effect^2
    assert budget_from_pilot(scheme, found, 1e-5, scale=-1).tokens_needed is None


def test_run_audit_corrects_across_keys(setting, corpus_docs, fixed_key) -> None:
    key, _, students = setting["kgw"]
    rng = np.random.default_rng(8)
    outputs = list(generate(students[0.1], np.stack([d[:1] for d in corpus_docs[:300]]), SEQ, rng))
    decoys = [fixed_key("kgw", 77 + i, context_width=1) for i in range(4)]
    served = [{"deployment": "api-prod", "account_cluster": "c7"}]
    pkg = run_audit([(key, served), *((d, []) for d in decoys)], outputs, subject="s", inputs=[], alpha=1e-5)
    assert [t.key["key_id"] for t in pkg.positives] == [key.key_id]
    assert pkg.tests[0].p_adjusted == pytest.approx(min(1.0, 5 * pkg.tests[0].p_value))
    assert pkg.to_json()["tests"][0]["served"] == served


def test_prompted_pairs_drop_only_the_querys_own_prompt(setting) -> None:
    """A continuation that copies its own prompt scores nothing; the same pairs in another query's prompt count."""
    key, wm, _ = setting["kgw"]
    scheme = scheme_for(key)
    own = prompted_pairs(scheme, [wm[0][:100]], [wm[0][40:90]])
    junction = scheme.pair_scores(np.array([wm[0][99], wm[0][40]])).ids
    assert own.ids.tolist() == junction.tolist()  # only (prompt's last token, first copied token) is new
    other = prompted_pairs(scheme, [wm[1][:100], wm[0][:100]], [wm[0][40:90], wm[1][:50]])
    assert other.ids.size > 0 and np.isin(other.ids, scheme.pair_scores(wm[0][:100]).ids).any()
    # The first context of a continuation reaches into its prompt: (prompt[-1], cont[0]) is scored.
    first = prompted_pairs(scheme, [np.array([5, 6, 7])], [np.array([8, 9])])
    assert first.ids.size == 2 and first.ids[0] == scheme.pair_scores(np.array([7, 8])).ids[0]


def test_served_prefixes_expose_a_student_and_spare_an_innocent_one(setting) -> None:
    """Closed mode with our served text as prompts: signal from the rho = 10% student, none from rho = 0."""
    key, wm, students = setting["kgw"]
    scheme = scheme_for(key)
    rng = np.random.default_rng(21)
    prompts = [row[: 20 + off] for off in (0, 40, 80) for row in wm[:120]]
    p = {}
    for rho, student in students.items():
        conts = [c for length in {len(x) for x in prompts} for c in generate(
            student, np.stack([x for x in prompts if len(x) == length]), 40, rng)]  # fmt: skip
        ordered = [x for length in {len(x) for x in prompts} for x in prompts if len(x) == length]
        p[rho] = scheme.detect_scores(prompted_pairs(scheme, ordered, conts), 1).p_value
    assert p[0.0] > 1e-3
    assert p[0.1] < 1e-5
