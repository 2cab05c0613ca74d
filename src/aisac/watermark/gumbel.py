"""Gumbel-max watermark (Aaronson 2022): sample argmax r_v^(1/p_v) with keyed uniforms r.

Distortion-free for one request, but deterministic given the context, so identical prompts would get
identical answers. The second key (`diversity_secret`) derives `streams` sub-keys; each request draws one
stream at random, which restores diversity; detection tests every stream and corrects the smallest p-value
exactly (Šidák: stream scores are independent under the null), costing about a factor `streams`.
Per pair the score is -log(1 - r), Exp(1) under the null, so n distinct pairs sum to Gamma(n, 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aisac.watermark.base import PairScores, WatermarkScheme, log_softmax
from aisac.watermark.hashing import DOMAIN_STREAM, combine, context_seeds, keyed, to_unit
from aisac.watermark.tails import gamma_log_sf


class GumbelMax(WatermarkScheme):
    """Aaronson-style exponential-minimum sampling with `streams` keyed sub-streams."""

    name = "gumbel"

    def __init__(self, key: Any, min_tokens: int = 16) -> None:
        super().__init__(key, min_tokens)
        self.streams = int(key.config["streams"])
        self._stream_keys = keyed(key.diversity_bytes, np.arange(self.streams, dtype=np.uint64), DOMAIN_STREAM)

    def _uniforms(self, seeds: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Keyed uniforms, one trailing column per stream."""
        pair = combine(seeds, candidates)
        return to_unit(combine(pair[..., None], self._stream_keys))

    def process(
        self, input_ids: np.ndarray, scores: np.ndarray, rng: np.random.Generator, state: dict[str, Any]
    ) -> np.ndarray:
        batch, vocab = scores.shape
        if "streams" not in state:
            state["streams"] = rng.integers(self.streams, size=batch)
        if input_ids.shape[1] < self.width:
            return scores
        seeds = self.seeds_for_batch(input_ids)
        r = self._uniforms(seeds[:, None], np.arange(vocab, dtype=np.int64)[None, :])
        r = np.take_along_axis(r, state["streams"][:, None, None], axis=-1)[..., 0]
        probs = np.exp(log_softmax(scores))
        with np.errstate(divide="ignore"):
            choice = np.argmax(np.log(r) / probs, axis=-1)
        out = np.full_like(scores, -np.inf)
        out[np.arange(batch), choice] = 0.0
        return out

    def pair_scores(self, tokens: np.ndarray, targets: np.ndarray | None = None) -> PairScores:
        seeds = context_seeds(tokens[:-1], self.key.secret_bytes, self.width)
        scored = np.asarray(tokens[self.width :] if targets is None else targets, dtype=np.int64)
        r = self._uniforms(seeds, scored)
        return PairScores(combine(seeds, scored), -np.log1p(-r))

    def log_p_value(self, sums: np.ndarray, n: int) -> float:
        log_min = min(gamma_log_sf(float(s), max(n, 1)) for s in sums)
        if log_min < -30:  # 1 - (1 - p)^k = k p (1 + O(k p)): exact to double precision here
            return float(np.log(self.streams) + log_min)
        return float(np.log(-np.expm1(self.streams * np.log1p(-np.exp(log_min)))))

    def null_mean(self) -> np.ndarray:
        return np.ones(self.streams)
