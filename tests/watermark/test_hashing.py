"""The keyed hashes that every scheme rests on."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from aisac.watermark.hashing import DOMAIN_CONTEXT, combine, context_ids, context_seeds, keyed, popcount_low, to_unit

tokens = st.lists(st.integers(0, 50_000), min_size=5, max_size=60)
secrets_ = st.binary(min_size=16, max_size=16)


def test_keyed_is_aes128() -> None:
    """FIPS-197 appendix C.1: the keyed words are AES-128 of (word, domain) in little-endian halves."""
    key = bytes(range(16))
    word = np.array([int.from_bytes(bytes.fromhex("0011223344556677"), "little")], dtype=np.uint64)
    domain = int.from_bytes(bytes.fromhex("8899aabbccddeeff"), "little")
    assert int(keyed(key, word, domain)[0]).to_bytes(8, "little").hex() == "69c4e0d86a7b0430"


@given(tokens, st.integers(1, 4), secrets_)
def test_secret_enters_only_through_the_prf(seq: list[int], width: int, secret: bytes) -> None:
    arr = np.array(seq)
    assert (context_seeds(arr, secret, width) == keyed(secret, context_ids(arr, width), DOMAIN_CONTEXT)).all()


@given(tokens, st.integers(1, 4), secrets_)
def test_batch_and_sequence_seeds_agree(seq: list[int], width: int, secret: bytes) -> None:
    """The generation side (last window of a batch row) and detection side (all windows) must agree."""
    arr = np.array(seq)
    all_windows = context_seeds(arr, secret, width)
    for end in range(width, len(seq) + 1):
        batch = context_seeds(arr[None, end - width : end], secret, width)
        assert batch.shape == (1, 1)
        assert batch[0, 0] == all_windows[end - width]


@given(tokens, secrets_)
def test_seed_depends_on_order_and_secret(seq: list[int], secret: bytes) -> None:
    arr = np.array(seq[:2])
    if arr[0] != arr[1]:
        assert context_seeds(arr, secret, 2)[0] != context_seeds(arr[::-1], secret, 2)[0]
    flipped = bytes([secret[0] ^ 1]) + secret[1:]
    assert context_seeds(arr, secret, 2)[0] != context_seeds(arr, flipped, 2)[0]


@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50), st.integers(1, 64))
def test_popcount_matches_python(words: list[int], n: int) -> None:
    got = popcount_low(np.array(words, dtype=np.uint64), n)
    assert got.tolist() == [bin(w & ((1 << n) - 1)).count("1") for w in words]


def test_unit_floats_are_uniform_and_open() -> None:
    u = to_unit(combine(np.uint64(7), np.arange(200_000)))
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005
    assert np.histogram(u, bins=10)[0].min() > 19_000
