"""KGW green-list watermark (Kirchenbauer et al. 2023): bias a keyed γ-share of the vocabulary by δ.

Green membership is an independent keyed coin per (context, token) pair, so under the null the count of
green tokens among n distinct pairs is exactly Binomial(n, γ).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from aisac.watermark.base import PairScores, WatermarkScheme
from aisac.watermark.hashing import combine, context_seeds, min_token_hash
from aisac.watermark.tails import binom_log_sf


class KGW(WatermarkScheme):
    """Green-list scheme with γ, δ, context width h and optional min-self-hash seeding."""

    name = "kgw"

    def __init__(self, key: Any, min_tokens: int = 16) -> None:
        super().__init__(key, min_tokens)
        self.gamma = float(key.config["gamma"])
        self.delta = float(key.config["delta"])
        self.self_hash = bool(key.config["self_hash"])
        self._cut = np.uint64(min(int(self.gamma * 2.0**64), 2**64 - 1))

    def _words(self, contexts: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Keyed word of each (context window, candidate): contexts (..., h), candidates broadcast."""
        secret = self.key.secret_bytes
        if not self.self_hash:
            seeds = context_seeds(contexts, secret, self.width)[..., 0]
            return combine(seeds[..., None] if candidates.ndim > seeds.ndim else seeds, candidates)
        ctx_min = min_token_hash(contexts, secret).min(axis=-1)
        if candidates.ndim > ctx_min.ndim:
            ctx_min = ctx_min[..., None]
        seed = np.minimum(ctx_min, min_token_hash(candidates, secret))
        return combine(seed, candidates)

    def process(
        self, input_ids: np.ndarray, scores: np.ndarray, rng: np.random.Generator, state: dict[str, Any]
    ) -> np.ndarray:
        if input_ids.shape[1] < self.width:
            return scores
        vocab = np.arange(scores.shape[-1], dtype=np.int64)
        green = self._words(input_ids[:, -self.width :], vocab[None, :]) < self._cut
        return scores + self.delta * green

    def pair_scores(self, tokens: np.ndarray, targets: np.ndarray | None = None) -> PairScores:
        contexts = sliding_window_view(tokens[:-1], self.width)
        scored = tokens[self.width :] if targets is None else targets
        words = self._words(contexts, np.asarray(scored, dtype=np.int64))
        return PairScores(words, (words < self._cut).astype(np.float64)[:, None])

    def log_p_value(self, sums: np.ndarray, n: int) -> float:
        green = int(np.floor(sums[0] + 1e-9))
        return binom_log_sf(green, n, self.gamma)

    def null_mean(self) -> np.ndarray:
        return np.array([self.gamma])
