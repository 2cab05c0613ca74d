"""The distillation detector: behaviour, content signatures and hydra links, scored and explained.

`analyse` computes everything the score needs (features per account, the account graph); `detect` applies
the packaged weights, groups flagged accounts into campaigns and explains each flag. Training
(`bench/train_detector.py`) uses the same `analyse`, so the features seen in training and in use are one code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

from aisac.detect import blend
from aisac.detect import features as F
from aisac.detect.attribution import attribute
from aisac.detect.base import Findings
from aisac.detect.evidence import correlation_evidence
from aisac.detect.linking import Links, link
from aisac.detect.model import Model, Profile, sigmoid
from aisac.detect.sigma.engine import SigmaRule, load_rules
from aisac.logs import schema
from aisac.logs.reader import Log

#: Requests an account must have made before a batch run has enough evidence to flag it.
EVIDENCE_REQUESTS = 20


@dataclass
class Analysis:
    groups: set[str]
    accounts: pa.Table  # account_id + features + facts for reasons
    links: Links
    rules: list[SigmaRule]

    def matrix(self, names: list[str]) -> np.ndarray:
        return (
            np.column_stack([self.accounts[n].to_numpy(zero_copy_only=False).astype(float) for n in names])
            if names
            else np.empty((self.accounts.num_rows, 0))
        )

    def stage2_inputs(self, p1: np.ndarray, logit1: np.ndarray) -> np.ndarray:
        """Per account: own logit, its linked group's size and evidence, link strength, lockstep partners."""
        ids = self.accounts["account_id"].to_pylist()
        community = np.array([self.links.membership.get(a, -1) for a in ids])
        size = np.zeros(len(ids))
        evidence = np.zeros(len(ids))
        linked = community >= 0
        if linked.any():
            _, inverse, counts = np.unique(community[linked], return_inverse=True, return_counts=True)
            sums = np.bincount(inverse, weights=p1[linked])
            size[linked] = counts[inverse]
            others = np.maximum(counts[inverse] - 1, 1)
            evidence[linked] = np.where(counts[inverse] > 1, (sums[inverse] - p1[linked]) / others, 0.0)
        strength = _per_account(ids, self.links.edges, "weight")
        lockstep = dict(
            zip(self.links.lockstep["account"].to_pylist(), self.links.lockstep["partners"].to_pylist(), strict=True)
        )
        partners = np.array([lockstep.get(a, 0) for a in ids], dtype=float)
        return np.column_stack([logit1, np.log1p(size), evidence, np.log1p(strength), np.log1p(partners)])


def _per_account(ids: list[str], edges: pa.Table, column: str) -> np.ndarray:
    """Sum of an edge column over each account's edges (ids are sorted: accounts come out of SQL in order)."""
    order = np.asarray(ids, dtype=object)
    total = np.zeros(len(ids))
    if edges.num_rows:
        w = edges[column].to_numpy()
        for side in ("a", "b"):
            idx = np.searchsorted(order, np.asarray(edges[side].to_pylist(), dtype=object))
            np.add.at(total, idx, w)
    return total


def evidence_groups(log: Log) -> set[str]:
    """Which optional evidence the log carries (see model.GROUPS)."""
    present = log.columns_present()
    groups = {"base"}
    if schema.MESSAGES in present:
        groups.add("text")
    if schema.PAYMENT in present:
        groups.add("payment")
    if schema.CREATED_AT in present:
        groups.add("signup")
    shared = log.con.execute(
        'SELECT count(*) FROM (SELECT "client.address" FROM requests GROUP BY 1 '
        'HAVING count(DISTINCT "account.id") > 1)'
    ).fetchall()[0][0]
    if shared:
        groups.add("address")
    return groups


def analyse(log: Log, rules: list[SigmaRule], seed: int = 0) -> Analysis:
    groups = evidence_groups(log)
    present = log.columns_present()
    F.prepare(log.con, rules, present)
    accounts = F.account_features(log.con, rules, present)
    return Analysis(groups, accounts, link(log.con, groups, seed), rules)


@dataclass
class DistillationDetector:
    """Flags distillation accounts and groups them into campaigns; see docs/detector.md."""

    name: ClassVar[str] = "distill"
    model_path: Path | None = None
    rules_paths: list[Path] | None = None
    seed: int = 0
    last: dict = field(default_factory=dict, repr=False)

    def detect(self, log: Log) -> Findings:
        model = Model.load(self.model_path)
        analysis = analyse(log, load_rules(self.rules_paths), self.seed)
        key, profile = model.profile(analysis.groups)
        scores, _, contrib = score(analysis, profile)
        flagged = scores >= profile.threshold
        ids = analysis.accounts["account_id"].to_pylist()
        reasons = explain(analysis, profile, contrib, flagged)
        blends = blend.find(log.con, ids, flagged, self.seed)
        position = {a: i for i, a in enumerate(ids)}
        for b in blends:  # a shared key is flagged for the part of its traffic that is extraction
            i = position[b.account]
            flagged[i], scores[i] = True, max(scores[i], profile.threshold)
            reasons[i] = [("extraction_share", b.reason), *reasons[i]]
        campaigns, campaign_of = attribute(log.con, analysis, ids, scores, flagged, reasons)
        shared = correlation_evidence(log.con, campaign_of, log.columns_present())
        campaigns = [replace(c, evidence=shared[c.id]) for c in campaigns]
        first_flag = _first_flag_times(log, [a for a, f in zip(ids, flagged, strict=True) if f])
        table = pa.table(
            {
                "account_id": ids,
                "score": scores,
                "flagged": flagged,
                "campaign": [campaign_of.get(a) for a in ids],
                "reasons": ["; ".join(text for _, text in r) for r in reasons],
                "first_flag_at": pa.array([first_flag.get(a) for a in ids], pa.timestamp("us", tz="UTC")),
            }
        )
        self.last = {"profile": key, "groups": sorted(analysis.groups)}
        return Findings(table, campaigns)


def score(analysis: Analysis, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Final scores, stage-1 logits, and stage-1 contributions (for reasons)."""
    x1 = analysis.matrix(profile.stage1.features)
    contrib = profile.stage1.contributions(x1)
    logit1 = contrib.sum(axis=1) + profile.stage1.intercept
    x2 = analysis.stage2_inputs(sigmoid(logit1), logit1)
    return sigmoid(profile.stage2.logit(x2)), logit1, contrib


def explain(
    analysis: Analysis, profile: Profile, contrib: np.ndarray, flagged: np.ndarray, top: int = 3
) -> list[list[str]]:
    """Up to `top` reasons per flagged account: the features that pushed its score up most, in words."""
    meaning = {f.name: f.meaning for f in F.FEATURES}
    facts = analysis.accounts.to_pylist()
    out: list[list[str]] = []
    for i, row in enumerate(facts):
        if not flagged[i]:
            out.append([])
            continue
        order = np.argsort(-contrib[i])
        reasons = []
        for j in order[:top]:
            if contrib[i, j] <= 0:
                break
            name = profile.stage1.features[j]
            reasons.append((name, _render(meaning[name], row)))
        out.append(reasons)
    return out


def _render(template: str, row: dict) -> str:
    safe = {k: (v if v is not None else float("nan")) for k, v in row.items()}
    try:
        return template.format(**safe)
    except (ValueError, KeyError, TypeError):
        return template.split("{")[0].strip() or template


def _first_flag_times(log: Log, accounts: list[str]) -> dict:
    if not accounts:
        return {}
    log.con.register("_flagged", pa.table({"account": accounts}))
    rows = log.con.sql(
        f"""
        SELECT account, list_sort(list(time))[least({EVIDENCE_REQUESTS}, count(*))] AS at
        FROM _req JOIN _flagged USING (account) GROUP BY account
        """
    ).to_arrow_table()
    log.con.unregister("_flagged")
    return dict(zip(rows["account"].to_pylist(), rows["at"].to_pylist(), strict=True))

