"""The test-tier language model: a Dirichlet-smoothed bigram in numpy, and batched sampling.

It trains in milliseconds, yet it has enough entropy per token for watermarks to act on, and a student
bigram trained on watermarked text learns KGW/tournament biases of context width 1 directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from aisac.watermark.base import log_softmax


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
        unigram = (np.bincount(np.concatenate(list(docs)), minlength=v) + 1.0) / (
            sum(len(d) for d in docs) + v
        )
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
