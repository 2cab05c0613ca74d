"""Keyed 64-bit hashing of token contexts, vectorised over whole arrays (no per-token Python).

Every scheme reduces to one question: what pseudo-random 64-bit word does the key assign to a
(context, token) pair? The secret enters once per context, through AES-128 (a pseudo-random function
whose key cannot be recovered from its outputs), applied to a whole array of blocks in one call; a
public SplitMix64 mixer then spreads each secret context seed over the candidate tokens. Knowing every
word of one context therefore reveals only that context's seed, never the key or another context's
words. Array arithmetic and one AES call per array are what keep detection above 1M tokens/s.
"""

from __future__ import annotations

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from numpy.lib.stride_tricks import sliding_window_view

SECRET_BYTES = 16
#: Domain separation: the second half of every AES block says what the first half is.
DOMAIN_CONTEXT, DOMAIN_TOKEN, DOMAIN_STREAM = 1, 2, 3

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


def keyed(secret: bytes, words: np.ndarray, domain: int) -> np.ndarray:
    """AES-128 under `secret` of each (word, domain) block, truncated to its first 64 bits: a PRF."""
    w = np.asarray(words, dtype=np.uint64)
    blocks = np.empty((*w.shape, 2), dtype=np.uint64)
    blocks[..., 0] = w
    blocks[..., 1] = domain
    encryptor = Cipher(algorithms.AES(secret), modes.ECB()).encryptor()
    out = np.frombuffer(encryptor.update(blocks.tobytes()) + encryptor.finalize(), dtype=np.uint64)
    return out.reshape(blocks.shape)[..., 0].copy()


def context_ids(tokens: np.ndarray, width: int) -> np.ndarray:
    """Public (unkeyed) 64-bit id of every full context window: row i hashes tokens[i : i + width] in order.

    Returns len(tokens) - width + 1 ids (rows of a (batch, seq) array are handled the same way along the
    last axis). The loop runs over the context width, never over tokens.
    """
    arr = np.asarray(tokens, dtype=np.uint64)
    windows = sliding_window_view(arr, width, axis=-1)
    acc = np.zeros(windows.shape[:-1], dtype=np.uint64)
    for i in range(width):
        acc = combine(acc, windows[..., i])
    return acc


def context_seeds(tokens: np.ndarray, secret: bytes, width: int) -> np.ndarray:
    """Secret seed of every full context window (see `context_ids` for the shape)."""
    return keyed(secret, context_ids(tokens, width), DOMAIN_CONTEXT)


def min_token_hash(tokens: np.ndarray, secret: bytes) -> np.ndarray:
    """Per-token keyed hash used by KGW self-hash, whose seed is the minimum over the window."""
    return keyed(secret, np.asarray(tokens, dtype=np.uint64), DOMAIN_TOKEN)


def to_unit(words: np.ndarray) -> np.ndarray:
    """Map uint64 words to floats uniform on the open interval (0, 1), using the top 53 bits."""
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount_low(words: np.ndarray, n: int) -> np.ndarray:
    """Number of set bits among the lowest `n` bits of each word (byte lookup, no per-token Python)."""
    mask = np.uint64((1 << n) - 1) if n < 64 else np.uint64(2**64 - 1)
    masked = np.ascontiguousarray(np.asarray(words, dtype=np.uint64) & mask)
    return _POPCOUNT[masked.view(np.uint8)].reshape(*masked.shape, 8).sum(axis=-1, dtype=np.int64)
