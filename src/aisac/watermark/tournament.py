"""SynthID-style tournament watermark (Dathathri et al. 2024) with Bernoulli(1/2) g-values.

`layers` keyed bits per (context, token) pair act as the g-functions of an m-layer tournament between
pairs of candidates. With two candidates per match the tournament has a closed form applied layer by
layer: p'(x) = p(x) (1 + g(x) - E_p[g]). Under the null the bits of n distinct pairs are n*m fair coins, so
their sum is exactly Binomial(n*m, 1/2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aisac.watermark.base import PairScores, WatermarkScheme, log_softmax
from aisac.watermark.hashing import combine, context_seeds, popcount_low
from aisac.watermark.tails import binom_log_sf


class Tournament(WatermarkScheme):
    """Tournament sampling with `layers` g-values drawn from one keyed 64-bit word per pair."""

    name = "tournament"

    def __init__(self, key: Any, min_tokens: int = 16) -> None:
        super().__init__(key, min_tokens)
        self.layers = int(key.config["layers"])

    def process(
        self, input_ids: np.ndarray, scores: np.ndarray, rng: np.random.Generator, state: dict[str, Any]
    ) -> np.ndarray:
        if input_ids.shape[1] < self.width:
            return scores
        seeds = self.seeds_for_batch(input_ids)
        words = combine(seeds[:, None], np.arange(scores.shape[-1], dtype=np.int64)[None, :])
        probs = np.exp(log_softmax(scores))
        for layer in range(self.layers):
            g_l = ((words >> np.uint64(layer)) & np.uint64(1)).astype(np.float64)
            probs = probs * (1.0 + g_l - np.sum(probs * g_l, axis=-1, keepdims=True))
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(probs, 0.0))  # rounding can leave -1e-17 where E_p[g] = 1

    def pair_scores(self, tokens: np.ndarray, targets: np.ndarray | None = None) -> PairScores:
        seeds = context_seeds(tokens[:-1], self.key.secret_bytes, self.width)
        scored = np.asarray(tokens[self.width :] if targets is None else targets, dtype=np.int64)
        words = combine(seeds, scored)
        return PairScores(words, popcount_low(words, self.layers).astype(np.float64)[:, None])

    def log_p_value(self, sums: np.ndarray, n: int) -> float:
        ones = int(np.floor(sums[0] + 1e-9))
        return binom_log_sf(ones, n * self.layers, 0.5)

    def null_mean(self) -> np.ndarray:
        return np.array([self.layers / 2.0])
