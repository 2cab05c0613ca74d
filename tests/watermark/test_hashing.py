"""The keyed hashes that every scheme rests on."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from aisac.watermark.hashing import combine, context_seeds, popcount_low, to_unit

tokens = st.lists(st.integers(0, 50_000), min_size=5, max_size=60)


@given(tokens, st.integers(1, 4), st.integers(0, 2**64 - 1))
def test_batch_and_sequence_seeds_agree(seq: list[int], width: int, secret: int) -> None:
    """The generation side (last window of a batch row) and detection side (all windows) must agree."""
    arr = np.array(seq)
    all_windows = context_seeds(arr, secret, width)
    for end in range(width, len(seq) + 1):
        batch = context_seeds(arr[None, end - width : end], secret, width)
        assert batch.shape == (1, 1)
        assert batch[0, 0] == all_windows[end - width]


@given(tokens, st.integers(0, 2**64 - 1))
def test_seed_depends_on_order_and_secret(seq: list[int], secret: int) -> None:
    arr = np.array(seq[:2])
    if arr[0] != arr[1]:
        assert context_seeds(arr, secret, 2)[0] != context_seeds(arr[::-1], secret, 2)[0]
    assert context_seeds(arr, secret, 2)[0] != context_seeds(arr, secret ^ 1, 2)[0]


@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50), st.integers(1, 64))
def test_popcount_matches_python(words: list[int], n: int) -> None:
    got = popcount_low(np.array(words, dtype=np.uint64), n)
    assert got.tolist() == [bin(w & ((1 << n) - 1)).count("1") for w in words]


def test_unit_floats_are_uniform_and_open() -> None:
    u = to_unit(combine(np.uint64(7), np.arange(200_000)))
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005
    assert np.histogram(u, bins=10)[0].min() > 19_000
