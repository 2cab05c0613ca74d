"""The prompt-set sketch: Jaccard estimates, near-duplicate robustness, JSON-safe values, odd input."""

from __future__ import annotations

import json
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.contract import sketch


def _questions(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [f"Derive the value of item {rng.randrange(10**6)} given {rng.randrange(10**6)} and "
            f"{rng.randrange(10**6)} units" for _ in range(n)]


def test_estimates_jaccard_of_the_shingle_sets():
    a, b = _questions(1, 300), _questions(2, 300)
    shared = a[:150]
    x, y = sketch.sketch(a), sketch.sketch(shared + b[:150])
    truth = len(np.intersect1d(sketch.shingle_hashes(a), sketch.shingle_hashes(shared + b[:150]))) / len(
        np.union1d(sketch.shingle_hashes(a), sketch.shingle_hashes(shared + b[:150])))
    assert abs(sketch.similarity(x, y) - truth) < 0.15
    assert sketch.similarity(sketch.sketch(a), sketch.sketch(b)) < 0.1


def test_near_duplicates_stay_close_and_wrappers_do_not_matter_much():
    qs = _questions(3, 200)
    plain = sketch.sketch(qs)
    noisy = sketch.sketch([f"  {q.upper()}!!  " for q in qs])  # case, punctuation, spacing
    assert sketch.similarity(plain, noisy) == 1.0
    wrapped = sketch.sketch([f"Think step by step. {q}" for q in qs])
    assert sketch.similarity(plain, wrapped) > 0.6


def test_common_shingles_are_left_out():
    qs = _questions(4, 50)
    common = sketch.shingle_hashes(["think step by step"])
    s = sketch.sketch([f"think step by step {q}" for q in qs], common)
    assert s["elements"] == len(sketch.shingle_hashes([f"think step by step {q}" for q in qs])) - len(common)


def test_empty_and_missing_sketches_resemble_nothing():
    empty = sketch.sketch(["", "   ", "!!"])
    assert empty["elements"] == 0 and empty["values"] == []
    assert sketch.similarity(empty, empty) == 0.0
    assert sketch.similarity(None, sketch.sketch(["a b c"])) == 0.0
    assert sketch.values({"scheme": "other", "values": [1] * sketch.K}) is None


def test_cjk_text_is_shingled_per_character():
    assert sketch.shingles("请一步一步") == {"请 一 步", "一 步 一", "步 一 步"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8))
def test_any_text_gives_a_json_exact_sketch(texts):
    s = sketch.sketch(texts)
    assert json.loads(json.dumps(s)) == s
    assert all(0 <= v < 2**32 for v in s["values"]) and len(s["values"]) in (0, sketch.K)
    assert sketch.similarity(s, s) == (1.0 if s["values"] else 0.0)
