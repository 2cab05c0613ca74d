"""Radioactivity audit: did a suspect model learn from our watermarked outputs?

Closed mode scores text the suspect sampled (to prompts the auditor may choose); open mode reads the
suspect's own next-token choice (argmax) at every position of texts fed to it by teacher forcing. Either
way each (context, token) pair counts once across the whole audit, so the exact null tails stay valid
however repetitive a model is; pairs already present in auditor-supplied text (e.g. the prompts) are
dropped, and open mode may skip positions where the suspect is near-certain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aisac.watermark.base import Detection, PairScores, WatermarkScheme
from aisac.watermark.evidence import EvidencePackage, KeyTest
from aisac.watermark.keys import WatermarkKey
from aisac.watermark.ngram import LanguageModel
from aisac.watermark.schemes import scheme_for


@dataclass(frozen=True)
class AuditFilters:
    """Key-independent filters: applying them cannot bias the null distribution."""

    exclude: Sequence[np.ndarray] = ()
    max_top_prob: float | None = None


def _concat(parts: list[PairScores], columns: int) -> PairScores:
    if not parts:
        return PairScores(np.zeros(0, np.uint64), np.zeros((0, columns)))
    return PairScores(np.concatenate([p.ids for p in parts]), np.concatenate([p.scores for p in parts]))


def _usable(docs: Sequence[np.ndarray], width: int) -> list[np.ndarray]:
    return [np.asarray(d, dtype=np.int64) for d in docs if len(d) > width]


def _drop_excluded(scheme: WatermarkScheme, pairs: PairScores, exclude: Sequence[np.ndarray]) -> PairScores:
    columns = scheme.null_mean().shape[0]
    banned = _concat([scheme.pair_scores(d) for d in _usable(exclude, scheme.width)], columns).ids
    keep = ~np.isin(pairs.ids, banned)
    return PairScores(pairs.ids[keep], pairs.scores[keep])


def closed_pairs(
    scheme: WatermarkScheme, docs: Sequence[np.ndarray], filters: AuditFilters = AuditFilters()
) -> PairScores:
    """Pairs of the suspect's sampled outputs."""
    columns = scheme.null_mean().shape[0]
    pairs = _concat([scheme.pair_scores(d) for d in _usable(docs, scheme.width)], columns)
    return _drop_excluded(scheme, pairs, filters.exclude)


def prompted_pairs(
    scheme: WatermarkScheme, prompts: Sequence[np.ndarray], continuations: Sequence[np.ndarray]
) -> PairScores:
    """Closed mode with auditor-chosen prompts, e.g. our own served text: pairs of each continuation.

    A continuation's first contexts reach back into its prompt. Pairs present in that query's own prompt
    are dropped (the suspect could copy them); pairs from other queries' prompts stay, because a suspect that
    never saw those prompts can only reproduce them from training, which is the signal sought.
    """
    columns = scheme.null_mean().shape[0]
    parts = []
    for prompt, cont in zip(prompts, continuations, strict=True):
        prompt = np.asarray(prompt, dtype=np.int64)
        doc = np.concatenate([prompt[-scheme.width :], np.asarray(cont, dtype=np.int64)])
        if len(doc) <= scheme.width:
            continue
        pairs = scheme.pair_scores(doc)
        if len(prompt) > scheme.width:
            keep = ~np.isin(pairs.ids, scheme.pair_scores(prompt).ids)
            pairs = PairScores(pairs.ids[keep], pairs.scores[keep])
        parts.append(pairs)
    return _concat(parts, columns)


def open_pairs(
    scheme: WatermarkScheme,
    model: LanguageModel,
    docs: Sequence[np.ndarray],
    filters: AuditFilters = AuditFilters(),
) -> PairScores:
    """Pairs (context from the text, token = the suspect's argmax after that context)."""
    columns = scheme.null_mean().shape[0]
    parts = []
    for doc in _usable(docs, scheme.width):
        logits = model.sequence_logits(doc[:-1])[scheme.width - 1 :]
        pairs = scheme.pair_scores(doc, targets=np.argmax(logits, axis=-1))
        if filters.max_top_prob is not None:
            top = np.exp(np.max(logits, axis=-1) - np.logaddexp.reduce(logits, axis=-1))
            keep = top <= filters.max_top_prob
            pairs = PairScores(pairs.ids[keep], pairs.scores[keep])
        parts.append(pairs)
    return _drop_excluded(scheme, _concat(parts, columns), filters.exclude)


@dataclass(frozen=True)
class Budget:
    """Tokens to query so that the expected statistic reaches `alpha`, extrapolated from a pilot."""

    effect_per_pair: float
    distinct_per_token: float
    pairs_needed: int | None
    tokens_needed: int | None
    alpha: float


def budget_from_pilot(scheme: WatermarkScheme, pilot: Detection, alpha: float, scale: float = 1.0) -> Budget:
    """Budget assuming the per-pair lift seen in `pilot`, times `scale` (e.g. rho_target / rho_pilot).

    The lift is the largest column mean above its null mean (for Gumbel, the stream the suspect learnt);
    the share of distinct pairs per queried token is taken from the pilot as well.
    """
    n = max(pilot.tokens_scored, 1)
    lift = float(np.max(np.asarray(pilot.statistic) / n - scheme.null_mean())) * scale
    distinct = pilot.tokens_scored / max(pilot.tokens_total, 1)
    pairs = scheme.pairs_needed(lift, alpha) if lift > 0 else None
    tokens = None if pairs is None or distinct == 0 else int(np.ceil(pairs / distinct))
    return Budget(lift, distinct, pairs, tokens, alpha)


def run_audit(
    keys: Sequence[tuple[WatermarkKey, list[dict[str, Any]]]],
    docs: Sequence[np.ndarray],
    *,
    subject: str,
    inputs: list[dict[str, Any]],
    alpha: float,
    model: LanguageModel | None = None,
    filters: AuditFilters = AuditFilters(),
    prompts: Sequence[np.ndarray] | None = None,
) -> EvidencePackage:
    """Test every key (with the traffic it served) on the same inputs; open mode when `model` is given.

    In closed mode `prompts` (one per doc, possibly empty) are what the suspect was asked: each doc is
    scored as the continuation of its prompt (see `prompted_pairs`).
    """
    tests = []
    total = int(sum(len(d) for d in docs))
    for key, served in keys:
        scheme = scheme_for(key)
        if model is not None:
            pairs = open_pairs(scheme, model, docs, filters)
        elif prompts is not None:
            pairs = _drop_excluded(scheme, prompted_pairs(scheme, prompts, docs), filters.exclude)
        else:
            pairs = closed_pairs(scheme, docs, filters)
        found = scheme.detect_scores(pairs, total)
        tests.append(KeyTest(key.public(), served, found.tokens_scored, found.statistic, found.p_value, found.evidence))
    described = {
        "exclude_texts": len(filters.exclude),
        "max_top_prob": filters.max_top_prob,
        "dedup": True,
        "prompted": prompts is not None,
    }
    mode = "closed" if model is None else "open"
    return EvidencePackage(subject, mode, inputs, tests, alpha, described)
