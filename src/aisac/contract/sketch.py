"""The prompt-set fingerprint every lab computes the same way: MinHash over normalised word shingles.

Labs publish, per campaign, a sketch of the set of prompts it sent (and one of its harness/system prompts) so
that the forum's working group can see that two labs received the same question list without anyone sharing a
prompt. A sketch is `K` minima of independent hash functions over the set of word `SHINGLE`-grams of the
normalised texts; the share of equal slots between two sketches estimates the Jaccard similarity of the two
shingle sets, so paraphrased wrappers, case, punctuation and spacing changes move it only a little
(near-duplicate robust). The hash functions are fixed by this module (no per-lab secret): a sketch made at one
lab compares with a sketch made at any other.

Values are 32-bit, so a sketch is plain JSON that RFC 8785 canonicalises exactly (the hub signs it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import numpy as np

SCHEME = "minhash-w3-k128-v1"
K = 128  # hash functions (slots); the standard error of a Jaccard estimate is about sqrt(J(1-J)/K)
SHINGLE = 3  # words per shingle
# Multiply-shift hashing: h_i(x) = ((a_i * x + b_i) mod 2^64) >> 32 over a 64-bit hash x of the shingle,
# with odd a_i; numpy's uint64 arithmetic wraps modulo 2^64, which is the definition, not an overflow.
_PARAMS = np.random.default_rng(0x5E7C4).integers(0, np.iinfo(np.uint64).max, size=(2, K), dtype=np.uint64,
                                                  endpoint=True)
_A, _B = _PARAMS[0] | np.uint64(1), _PARAMS[1]
#: CJK ideographs and kana are words of their own (those scripts do not separate words with spaces).
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")
_CHUNK = 16384


def tokens(text: str) -> list[str]:
    """Normalised words: NFKC, case-folded, punctuation and spacing dropped, CJK split per character."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The text's word k-grams (the whole text when it has fewer than k words; nothing when it has none)."""
    words = tokens(text)
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def _hash64(items: Iterable[str]) -> np.ndarray:
    return np.unique(
        np.fromiter(
            (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in items),
            dtype=np.uint64,
        )
    )


def shingle_hashes(texts: Iterable[str]) -> np.ndarray:
    """The sorted, distinct 64-bit hashes of the texts' shingles (the set a sketch summarises)."""
    grams: set[str] = set()
    for t in texts:
        grams |= shingles(t)
    return _hash64(grams)


def sketch(texts: Iterable[str], common: np.ndarray | None = None) -> dict[str, Any]:
    """The sketch of a set of texts: {"scheme", "slots", "shingle", "elements", "values": [K ints]}.

    Shingles whose hash is in `common` (from `shingle_hashes` of text that says nothing specific, such as the
    prompts of a lab's ordinary customers) are left out first. An empty set has `elements` 0 and no values:
    it resembles nothing.
    """
    x = shingle_hashes(texts)
    if common is not None and len(common):
        x = x[~np.isin(x, common, assume_unique=True)]
    return from_hashes(x)


def from_hashes(x: np.ndarray) -> dict[str, Any]:
    """The sketch of a set given as distinct 64-bit shingle hashes (`shingle_hashes`)."""
    x = np.asarray(x, dtype=np.uint64)
    out: dict[str, Any] = {"scheme": SCHEME, "slots": K, "shingle": SHINGLE, "elements": len(x), "values": []}
    if len(x) == 0:
        return out
    low = np.full(K, np.iinfo(np.uint64).max, dtype=np.uint64)
    for i in range(0, len(x), _CHUNK):  # (K x chunk) at a time: bounded memory for large sets
        chunk = x[i : i + _CHUNK]
        low = np.minimum(low, ((np.outer(_A, chunk) + _B[:, None]) >> np.uint64(32)).min(axis=1))
    out["values"] = low.astype(np.int64).tolist()
    return out


def values(s: dict[str, Any] | None) -> np.ndarray | None:
    """The K slot values of a sketch as int64, or None when the sketch is absent, empty or of another scheme."""
    if not s or s.get("scheme") != SCHEME or len(s.get("values") or []) != K:
        return None
    return np.asarray(s["values"], dtype=np.int64)


def similarity(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float:
    """Estimated Jaccard similarity of the two shingle sets (0 when either sketch is missing or empty)."""
    va, vb = values(a), values(b)
    if va is None or vb is None:
        return 0.0
    return float(np.mean(va == vb))
