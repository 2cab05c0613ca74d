"""The test-tier language models (a Dirichlet-smoothed bigram, an order-k model over it) and sampling.

It trains in milliseconds, yet it has enough entropy per token for watermarks to act on, and a student
bigram trained on watermarked text learns KGW/tournament biases of context width 1 directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from aisac.watermark.base import log_softmax
from aisac.watermark.hashing import context_ids


class LanguageModel(Protocol):
    vocab_size: int

    def next_logits(self, ids: np.ndarray) -> np.ndarray:
        """(batch, seq) ids to (batch, vocab) next-token logits."""
        ...

    def sequence_logits(self, ids: np.ndarray) -> np.ndarray:
        """Teacher forcing: (seq,) ids to (seq, vocab) logits of the token after each prefix."""
        ...


class BigramLM:
    """P(w | v) = (c(v, w) + beta * P(w)) / (c(v) + beta), with add-one unigram P."""

    def __init__(self, vocab_size: int, beta: float = 5.0) -> None:
        self.vocab_size = vocab_size
        self.beta = beta
        self.logp = np.zeros((vocab_size, vocab_size), dtype=np.float32)

    def fit(self, docs: Sequence[np.ndarray]) -> BigramLM:
        v = self.vocab_size
        prev = np.concatenate([d[:-1] for d in docs])
        nxt = np.concatenate([d[1:] for d in docs])
        counts = np.bincount(prev * v + nxt, minlength=v * v).reshape(v, v).astype(np.float64)
        unigram = (np.bincount(np.concatenate(list(docs)), minlength=v) + 1.0) / (sum(len(d) for d in docs) + v)
        probs = (counts + self.beta * unigram[None, :]) / (counts.sum(axis=1, keepdims=True) + self.beta)
        self.logp = np.log(probs).astype(np.float32)
        return self

    def next_logits(self, ids: np.ndarray) -> np.ndarray:
        return self.logp[ids[:, -1]].astype(np.float64)

    def sequence_logits(self, ids: np.ndarray) -> np.ndarray:
        return self.logp[ids].astype(np.float64)


Processor = Callable[[np.ndarray, np.ndarray], np.ndarray]


def generate(
    model: LanguageModel,
    prompts: np.ndarray,
    steps: int,
    rng: np.random.Generator,
    processor: Processor | None = None,
) -> np.ndarray:
    """Sample `steps` tokens after each prompt row; returns only the new tokens, (batch, steps).

    Sampling adds Gumbel noise to the (processed) logits; a scheme that already picked one token leaves a
    single finite logit, so the noise cannot change its choice.
    """
    ids = np.asarray(prompts, dtype=np.int64)
    for _ in range(steps):
        scores = model.next_logits(ids)
        if processor is not None:
            scores = processor(ids, scores)
        logp = log_softmax(scores)
        choice = np.argmax(logp + rng.gumbel(size=logp.shape), axis=-1)
        ids = np.concatenate([ids, choice[:, None]], axis=1)
    return ids[:, prompts.shape[1] :]


def save_bigram(model: BigramLM, path: str) -> None:
    np.savez_compressed(path, logp=model.logp, beta=np.float64(model.beta))


def load_bigram(path: str) -> BigramLM:
    """Read a model written by `save_bigram`; a wrong file raises naming it."""
    try:
        with np.load(path) as data:
            logp = data["logp"]
            beta = float(data["beta"])
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: not an aisac bigram model ({exc})") from None
    if logp.ndim != 2 or logp.shape[0] != logp.shape[1]:
        raise ValueError(f"{path}: field 'logp' must be a square matrix, got shape {logp.shape}")
    model = BigramLM(logp.shape[0], beta)
    model.logp = logp
    return model


class KGramLM:
    """Order-k model smoothed towards a bigram: P(w | c) = (c(c, w) + beta * P_bi(w | v)) / (c(c) + beta).

    c is the last k-1 tokens and v the last one. Counts are kept sparse (sorted hashed contexts), so a
    5-gram over the corpus fits in a few MB; this student can memorise context-width-4 watermarks that a
    bigram cannot see.
    """

    def __init__(self, vocab_size: int, order: int = 5, beta: float = 2.0) -> None:
        self.vocab_size = vocab_size
        self.order = order
        self.beta = beta
        self.bigram = BigramLM(vocab_size)
        self.ctx = np.zeros(0, np.uint64)
        self.starts = np.zeros(1, np.int64)
        self.next_tokens = np.zeros(0, np.int64)
        self.counts = np.zeros(0, np.float64)

    def _hash(self, windows: np.ndarray) -> np.ndarray:
        return context_ids(windows, self.order - 1)[..., 0]

    def fit(self, docs: Sequence[np.ndarray]) -> KGramLM:
        self.bigram.fit(docs)
        width = self.order - 1
        long = [d for d in docs if len(d) > width]
        ctx = np.concatenate([self._hash(sliding_window_view(d[:-1], width)) for d in long])
        nxt = np.concatenate([d[width:] for d in long])
        order = np.lexsort((nxt, ctx))
        ctx, nxt = ctx[order], nxt[order]
        pair_start = np.flatnonzero(np.r_[True, (ctx[1:] != ctx[:-1]) | (nxt[1:] != nxt[:-1])])
        self.counts = np.diff(np.r_[pair_start, ctx.size]).astype(np.float64)
        pair_ctx, self.next_tokens = ctx[pair_start], nxt[pair_start]
        ctx_start = np.flatnonzero(np.r_[True, pair_ctx[1:] != pair_ctx[:-1]])
        self.ctx = pair_ctx[ctx_start]
        self.starts = np.r_[ctx_start, pair_ctx.size]
        return self

    def _logits(self, windows: np.ndarray, prev: np.ndarray) -> np.ndarray:
        """Rows of (window of k-1 tokens, last token) to log-probabilities over the vocabulary."""
        probs = np.exp(self.bigram.logp[prev].astype(np.float64)) * self.beta
        hashed = self._hash(windows)
        slot = np.clip(np.searchsorted(self.ctx, hashed), 0, max(self.ctx.size - 1, 0))
        found = (self.ctx.size > 0) & (self.ctx[slot] == hashed)
        lo = np.where(found, self.starts[slot], 0)
        hi = np.where(found, self.starts[np.minimum(slot + 1, self.starts.size - 1)], 0)
        lengths = hi - lo
        rows = np.repeat(np.arange(len(prev)), lengths)
        entries = np.repeat(lo - np.cumsum(np.r_[0, lengths[:-1]]), lengths) + np.arange(lengths.sum())
        np.add.at(probs, (rows, self.next_tokens[entries]), self.counts[entries])
        return np.log(probs / probs.sum(axis=1, keepdims=True))

    def next_logits(self, ids: np.ndarray) -> np.ndarray:
        width = self.order - 1
        if ids.shape[1] < width:
            return self.bigram.next_logits(ids)
        return self._logits(ids[:, -width:], ids[:, -1])

    def sequence_logits(self, ids: np.ndarray) -> np.ndarray:
        width = self.order - 1
        out = self.bigram.sequence_logits(ids)
        if len(ids) >= width:
            out[width - 1 :] = self._logits(sliding_window_view(ids, width), ids[width - 1 :])
        return out
