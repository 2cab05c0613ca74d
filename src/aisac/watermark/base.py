"""One interface for every watermark scheme, in the manner of a scikit-learn estimator.

A scheme is built from a key (its parameters) and offers two faces: a logits processor for the serving
stack and a detector over token ids. Detection is shared here: schemes only say how a (context, token)
pair scores and what the exact null distribution of the summed scores is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from aisac.watermark.hashing import context_seeds
from aisac.watermark.keys import WatermarkKey

DEFAULT_THRESHOLD = 1e-4
DEFAULT_MIN_TOKENS = 16


@dataclass(frozen=True)
class Detection:
    """Outcome of scoring one token sequence; `p_value` is None when evidence is insufficient."""

    p_value: float | None
    tokens_scored: int
    tokens_total: int
    statistic: list[float]
    evidence: dict[str, Any] = field(default_factory=dict)
    min_tokens: int = DEFAULT_MIN_TOKENS

    @property
    def insufficient(self) -> bool:
        return self.p_value is None

    def watermarked(self, threshold: float = DEFAULT_THRESHOLD) -> bool | None:
        """Verdict at `threshold`; None (never a verdict) when too few tokens were scored."""
        return None if self.p_value is None else bool(self.p_value < threshold)

    def reason(self) -> str:
        if self.p_value is None:
            return (
                f"insufficient evidence: {self.tokens_scored} distinct (context, token) pairs scored, "
                f"{self.min_tokens} needed"
            )
        return "ok"


@dataclass(frozen=True)
class PairScores:
    """Per-pair identity (for de-duplication) and score columns, one row per scored position."""

    ids: np.ndarray
    scores: np.ndarray


class WatermarkScheme(ABC):
    """Base of KGW, Gumbel-max and tournament: shared detection, de-duplication and budget."""

    name: ClassVar[str]

    def __init__(self, key: WatermarkKey, min_tokens: int = DEFAULT_MIN_TOKENS) -> None:
        if key.scheme != self.name:
            raise ValueError(f"key {key.key_id} is for scheme {key.scheme!r}, not {self.name!r}")
        self.key = key
        self.min_tokens = min_tokens
        self.width = int(key.config["context_width"])

    def get_params(self) -> dict[str, Any]:
        """Public parameters (no secret), as scikit-learn estimators report theirs."""
        return {**self.key.public(), "min_tokens": self.min_tokens}

    # ---- generation -------------------------------------------------------------------------------
    def seeds_for_batch(self, input_ids: np.ndarray) -> np.ndarray:
        """Context seed of the next position of each row of a (batch, seq) array."""
        return context_seeds(np.asarray(input_ids)[:, -self.width :], self.key.secret_bytes, self.width)[:, 0]

    @abstractmethod
    def process(
        self, input_ids: np.ndarray, scores: np.ndarray, rng: np.random.Generator, state: dict[str, Any]
    ) -> np.ndarray:
        """Plain numpy form: (batch, seq) ids and (batch, vocab) logits to watermarked logits.

        `state` lives for one generate call (one batch of requests); schemes that draw per-request
        choices keep them there.
        """

    def logits_processor(self, rng: np.random.Generator | None = None) -> LogitsProcessor:
        """A Hugging Face `LogitsProcessor`-compatible callable for one generate call."""
        return LogitsProcessor(self, rng if rng is not None else np.random.default_rng())

    # ---- detection --------------------------------------------------------------------------------
    @abstractmethod
    def pair_scores(self, tokens: np.ndarray, targets: np.ndarray | None = None) -> PairScores:
        """Score positions t >= width: context tokens[t-width:t] with token targets (default tokens[t])."""

    @abstractmethod
    def log_p_value(self, sums: np.ndarray, n: int) -> float:
        """Natural log of the exact upper-tail p-value of the column sums of `n` distinct pairs.

        Logs keep strong evidence finite: a p-value of 1e-400 underflows to 0.0 as a float.
        """

    def p_value(self, sums: np.ndarray, n: int) -> float:
        return float(np.exp(self.log_p_value(sums, n)))

    @abstractmethod
    def null_mean(self) -> np.ndarray:
        """Mean per-pair score of each column under the null (used by the budget)."""

    def detect_scores(self, pairs: PairScores, tokens_total: int) -> Detection:
        """De-duplicate repeated pairs (first occurrence kept) and test their summed score."""
        _, first = np.unique(pairs.ids, return_index=True)
        kept = pairs.scores[np.sort(first)]
        n = int(kept.shape[0])
        sums = kept.sum(axis=0)
        evidence = {
            "scheme": self.name,
            "pairs_seen": int(pairs.ids.shape[0]),
            "duplicates_removed": int(pairs.ids.shape[0]) - n,
            "score_sums": [float(s) for s in sums],
            "null_mean_per_pair": [float(m) for m in self.null_mean()],
        }
        log_p = self.log_p_value(sums, n) if n >= self.min_tokens else None
        p = None if log_p is None else float(np.exp(log_p))
        evidence["log10_p_value"] = None if log_p is None else log_p / np.log(10)
        return Detection(p, n, tokens_total, [float(s) for s in sums], evidence, self.min_tokens)

    def detect(self, tokens: np.ndarray) -> Detection:
        """Test one token-id sequence for this key's watermark."""
        tokens = np.asarray(tokens, dtype=np.int64)
        if tokens.shape[0] <= self.width:
            empty = PairScores(np.zeros(0, np.uint64), np.zeros((0, self.null_mean().shape[0])))
            return self.detect_scores(empty, int(tokens.shape[0]))
        return self.detect_scores(self.pair_scores(tokens), int(tokens.shape[0]))

    # ---- budget -----------------------------------------------------------------------------------
    def pairs_needed(self, effect: float, alpha: float, limit: int = 10**9) -> int | None:
        """Fewest distinct pairs whose expected score (null mean + `effect` on column 0) reaches `alpha`.

        None when even `limit` pairs would not: the effect is too small to detect at that scale.
        """
        if effect <= 0:
            return None
        mean = self.null_mean().astype(float)
        lift = np.zeros_like(mean)
        lift[0] = effect

        def p_at(n: int) -> float:
            return self.p_value(n * (mean + lift), n)

        hi = 1
        while p_at(hi) > alpha:
            hi *= 2
            if hi > limit:
                return None
        lo = hi // 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if p_at(mid) <= alpha else (mid, hi)
        return hi


class LogitsProcessor:
    """`(input_ids, scores) -> scores` over numpy arrays or torch tensors, with no transformers import."""

    def __init__(self, scheme: WatermarkScheme, rng: np.random.Generator) -> None:
        self.scheme = scheme
        self.rng = rng
        self.state: dict[str, Any] = {}

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if isinstance(scores, np.ndarray):
            return self.scheme.process(np.asarray(input_ids), scores, self.rng, self.state)
        ids = input_ids.detach().cpu().numpy()
        out = self.scheme.process(ids, scores.detach().float().cpu().numpy(), self.rng, self.state)
        import torch

        return torch.from_numpy(out).to(device=scores.device, dtype=scores.dtype)


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax that tolerates -inf entries."""
    top = np.max(scores, axis=-1, keepdims=True)
    shifted = scores - top
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
