"""Calibration, power, de-duplication and the logits processors of every scheme."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from aisac.watermark.base import LogitsProcessor, log_softmax
from aisac.watermark.ngram import generate
from aisac.watermark.schemes import scheme_for

CONFIGS = [
    ("kgw", {"gamma": 0.25, "delta": 2.0, "context_width": 1}),
    ("kgw", {"gamma": 0.5, "delta": 2.0, "context_width": 4, "self_hash": True}),
    ("gumbel", {"context_width": 4, "streams": 2}),
    ("tournament", {"context_width": 4, "layers": 30}),
]
IDS = [f"{s}-{c.get('context_width')}" for s, c in CONFIGS]


@pytest.mark.parametrize(("scheme", "config"), CONFIGS, ids=IDS)
def test_human_text_p_values_are_uniform(human_docs, fixed_key, scheme: str, config: dict) -> None:
    """Under the null (text no key touched) p-values are uniform: KS test, and few below 1e-2."""
    p = []
    for i, doc in enumerate(human_docs[:300]):
        found = scheme_for(fixed_key(scheme, 1000 + i, **config)).detect(doc)
        if not found.insufficient:
            p.append(found.p_value)
        assert found.tokens_total == len(doc), i
    assert len(p) >= 250
    assert stats.kstest(p, "uniform").pvalue > 0.001
    assert np.mean(np.array(p) < 0.01) <= 0.01 + 3 * np.sqrt(0.01 * 0.99 / len(p))


@pytest.fixture(scope="module")
def generations(teacher, corpus_docs, fixed_key):
    """200 generations of 200 tokens per scheme, with their key."""
    rng = np.random.default_rng(2026)
    prompts = np.stack([d[:4] for d in corpus_docs[:200]])
    out = {}
    for seed, (scheme, config) in enumerate(CONFIGS[:1] + CONFIGS[2:]):
        wm = scheme_for(fixed_key(scheme, seed, **config))
        out[scheme] = (wm, generate(teacher, prompts, 200, rng, wm.logits_processor(rng)))
    return out


@pytest.mark.parametrize("scheme", ["kgw", "gumbel", "tournament"])
def test_detection_power_on_200_tokens(generations, scheme: str) -> None:
    wm, rows = generations[scheme]
    p = np.array([wm.detect(row).p_value or 1.0 for row in rows])  # insufficient evidence = missed
    assert np.mean(p < 1e-4) >= 0.98


@pytest.mark.parametrize("scheme", ["kgw", "gumbel", "tournament"])
def test_wrong_keys_are_calibrated_on_watermarked_text(generations, fixed_key, scheme: str) -> None:
    wm, rows = generations[scheme]
    found = [scheme_for(fixed_key(scheme, 500 + i, **wm.key.config)).detect(r) for i, r in enumerate(rows)]
    p = [f.p_value for f in found if not f.insufficient]
    assert len(p) >= 0.9 * len(rows)  # a looping generation may keep too few distinct pairs
    assert stats.kstest(p, "uniform").pvalue > 0.001


def test_detected_through_text_round_trip(generations) -> None:
    """Decoding and re-tokenising (what `detect` sees) keeps the watermark."""
    from aisac.watermark.tokenizer import project_codec

    codec = project_codec()
    wm, rows = generations["kgw"]
    texts = codec.decode_many(rows[:50])
    p = np.array([wm.detect(ids).p_value for ids in codec.encode_many(texts)])
    assert np.mean(p < 1e-4) >= 0.96


def test_repetition_is_deduplicated(human_docs, fixed_key) -> None:
    """A passage pasted 40 times scores like one copy; counting every repeat would break calibration."""
    doc = human_docs[7]
    text = np.tile(doc, 40)
    p_dedup, p_naive = [], []
    for seed in range(200):
        wm = scheme_for(fixed_key("kgw", seed, gamma=0.25, context_width=1))
        found = wm.detect(text)
        assert found.tokens_scored - wm.detect(doc).tokens_scored in (0, 1)  # one pair spans the seam
        p_dedup.append(found.p_value)
        green = int(wm.pair_scores(text).scores.sum())
        p_naive.append(stats.binom.sf(green - 1, len(text) - 1, 0.25))
    assert found.evidence["duplicates_removed"] >= 39 * (len(doc) - 1) - len(doc)
    assert np.mean(np.array(p_dedup) < 0.01) < 0.04
    assert np.mean(np.array(p_naive) < 0.01) > 0.2


def test_short_text_is_insufficient_evidence(fixed_key) -> None:
    wm = scheme_for(fixed_key("kgw", 7))
    for tokens in ([], [5], list(range(10))):
        found = wm.detect(np.array(tokens, dtype=np.int64))
        assert found.p_value is None and found.watermarked() is None
        assert f"{found.tokens_scored} distinct" in found.reason()


def test_kgw_processor_adds_delta_to_a_gamma_share(fixed_key) -> None:
    wm = scheme_for(fixed_key("kgw", 8, gamma=0.25, delta=2.0))
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(8, 4096))
    out = wm.logits_processor(rng)(rng.integers(0, 4096, size=(8, 3)), scores)
    lift = out - scores
    assert set(np.round(np.unique(lift), 9)) == {0.0, 2.0}
    assert abs((lift > 0).mean() - 0.25) < 0.02


@pytest.mark.parametrize("scheme", ["gumbel", "tournament"])
def test_distortion_free_on_average_over_keys(fixed_key, scheme: str) -> None:
    """Averaged over keys, Gumbel-max and tournament sample from the model's own distribution."""
    rng = np.random.default_rng(1)
    scores = np.log(np.array([[0.5, 0.25, 0.15, 0.07, 0.03]]))
    counts = np.zeros(5)
    for seed in range(3000):
        wm = scheme_for(fixed_key(scheme, seed, context_width=1))
        probs = np.exp(log_softmax(wm.process(np.array([[3]]), scores, rng, {})))[0]
        counts[rng.choice(5, p=probs / probs.sum())] += 1
    assert stats.chisquare(counts, 3000 * np.exp(scores[0])).pvalue > 0.001


def test_processor_accepts_torch_tensors(fixed_key) -> None:
    torch = pytest.importorskip("torch")
    wm = scheme_for(fixed_key("kgw", 7))
    proc = LogitsProcessor(wm, np.random.default_rng(0))
    ids = torch.tensor([[1, 2, 3]])
    scores = torch.zeros((1, 64), dtype=torch.float16)
    out = proc(ids, scores)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float16
    assert torch.equal(out, torch.from_numpy(wm.process(ids.numpy(), np.zeros((1, 64)), None, {})).half())
