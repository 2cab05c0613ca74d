"""Keyed 64-bit hashing of token contexts, vectorised over whole arrays (no per-token Python).

Every scheme reduces to one question: what pseudo-random 64-bit word does the key assign to a
(context, token) pair? Answering it with array arithmetic is what keeps detection above 1M tokens/s.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijection on uint64 whose output bits pass BigCrush; wraps mod 2**64."""
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + _GOLDEN
        z = (z ^ (z >> _S30)) * _C1
        z = (z ^ (z >> _S27)) * _C2
        return z ^ (z >> _S31)


def combine(seed: np.ndarray | np.uint64, values: np.ndarray) -> np.ndarray:
    """Hash `values` under `seed` (broadcasting), so that different seeds give unrelated streams."""
    with np.errstate(over="ignore"):
        return mix64(mix64(np.asarray(seed, dtype=np.uint64)) ^ np.asarray(values, dtype=np.uint64))


def context_seeds(tokens: np.ndarray, secret: int, width: int) -> np.ndarray:
    """Seed of every full context window: row i hashes tokens[i : i + width] in order under `secret`.

    Returns len(tokens) - width + 1 seeds (rows of a (batch, seq) array are handled the same way along the
    last axis). The loop runs over the context width, never over tokens.
    """
    arr = np.asarray(tokens, dtype=np.uint64)
    windows = sliding_window_view(arr, width, axis=-1)
    acc = np.broadcast_to(np.uint64(secret), windows.shape[:-1]).copy()
    for i in range(width):
        acc = combine(acc, windows[..., i])
    return acc


def min_token_hash(tokens: np.ndarray, secret: int) -> np.ndarray:
    """Per-token keyed hash used by KGW self-hash, whose seed is the minimum over the window."""
    return combine(np.uint64(secret), np.asarray(tokens, dtype=np.uint64))


def to_unit(words: np.ndarray) -> np.ndarray:
    """Map uint64 words to floats uniform on the open interval (0, 1), using the top 53 bits."""
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount_low(words: np.ndarray, n: int) -> np.ndarray:
    """Number of set bits among the lowest `n` bits of each word (byte lookup, no per-token Python)."""
    mask = np.uint64((1 << n) - 1) if n < 64 else np.uint64(2**64 - 1)
    masked = np.ascontiguousarray(np.asarray(words, dtype=np.uint64) & mask)
    return _POPCOUNT[masked.view(np.uint8)].reshape(*masked.shape, 8).sum(axis=-1, dtype=np.int64)
