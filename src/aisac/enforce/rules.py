"""The policy's rules compiled for the request path: predicates over `Evidence`, memoised on what they test.

Kept apart from `policy` (the file format, validated with pydantic) so that the guard's request path can be
compiled with the guard (see `aisac.enforce.native`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from aisac.enforce.actions import Action
from aisac.enforce.policy import Policy, Range, When


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the policy decides on, for one account at one moment."""

    account_score: float = 0.0
    campaign_score: float = 0.0
    requests: int = 0
    account_age_days: float | None = None
    pathway: str | None = None
    jurisdiction: str | None = None
    signatures: frozenset[str] = frozenset()
    detector_flagged: bool = False
    cluster_score: float = 0.0


Predicate = Callable[[Evidence], bool]


def _compile_when(w: When, flagged: frozenset[str]) -> list[Predicate]:
    preds = [
        _numeric(name, rng.test())
        for name in ("account_score", "campaign_score", "cluster_score", "requests")
        if (rng := getattr(w, name)) is not None
    ]
    if w.account_age_days is not None:
        preds.append(_age(w.account_age_days.test()))
    if w.pathway is not None:
        preds.append(_pathway(frozenset(p.lower() for p in w.pathway)))
    if w.jurisdiction is not None:
        preds.append(_jurisdiction(frozenset(j.upper() for j in w.jurisdiction)))
    if w.flagged_jurisdiction is not None:
        preds.append(_is(_jurisdiction(flagged), w.flagged_jurisdiction))
    if w.signatures is not None:
        preds.append(_signatures(frozenset(w.signatures)))
    if w.detector_flagged is not None:
        preds.append(_detector(w.detector_flagged))
    return preds


# One factory per kind of condition: each predicate holds its own bounds and names.


def _numeric(name: str, test: Callable[[float], bool]) -> Predicate:
    return lambda e: test(getattr(e, name))


def _age(test: Callable[[float], bool]) -> Predicate:
    return lambda e: e.account_age_days is not None and test(e.account_age_days)


def _pathway(names: frozenset[str]) -> Predicate:
    return lambda e: e.pathway is not None and e.pathway.lower() in names


def _jurisdiction(codes: frozenset[str]) -> Predicate:
    return lambda e: e.jurisdiction is not None and e.jurisdiction.upper() in codes


def _is(pred: Predicate, want: bool) -> Predicate:
    return lambda e: pred(e) == want


def _signatures(names: frozenset[str]) -> Predicate:
    return lambda e: not names.isdisjoint(e.signatures)


def _detector(want: bool) -> Predicate:
    return lambda e: e.detector_flagged == want


_NUMERIC = ("account_score", "campaign_score", "cluster_score", "requests", "account_age_days")
_CACHE_CAP = 100_000


class CompiledPolicy:
    """A Policy with its rules turned into predicates; `evaluate` is pure and cheap.

    Results are memoised on a key that keeps exactly what the rules can tell apart: for each numeric field,
    its position among the bounds the rules use (so 0.71 and 0.74 share an entry when no bound lies
    between them), and the categorical fields as they are.
    """

    def __init__(self, policy: Policy):
        self.policy = policy
        flagged = frozenset(j.upper() for j in policy.flagged_jurisdictions)
        self._rules = [(r.name, r.action, _compile_when(r.when, flagged)) for r in policy.rules]
        bounds: dict[str, set[float]] = {n: set() for n in _NUMERIC}
        for r in policy.rules:
            for n in _NUMERIC:
                rng: Range | None = getattr(r.when, n)
                if rng is not None:
                    bounds[n].update(b for b in (rng.gte, rng.gt, rng.lt, rng.lte) if b is not None)
        #: (position in _NUMERIC, sorted bounds, the bounds as a set) of each numeric field a rule tests.
        self._bounds = [(i, sorted(bounds[n]), frozenset(bounds[n])) for i, n in enumerate(_NUMERIC) if bounds[n]]
        self._request_bounds = sorted(bounds["requests"])
        self._named_sigs = frozenset(s for r in policy.rules for s in (r.when.signatures or ()))
        self._cache: dict[tuple, tuple[Action, tuple[str, ...]]] = {}

    @property
    def max_action(self) -> Action:
        """The most severe action any rule can give: a standing at it can only be lifted, never raised."""
        return max((action for _, action, _ in self._rules), default=Action.ALLOW)

    def requests_band(self, requests: int) -> int:
        """Which side of the rules' `requests` bounds a count lies on (0 when no rule looks at it)."""
        return bisect_left(self._request_bounds, requests) * 2 + (requests in self._request_bounds)

    @property
    def rule_names(self) -> list[str]:
        return [name for name, _, _ in self._rules]

    def evaluate(self, e: Evidence) -> tuple[Action, tuple[str, ...]]:
        """The most severe matching action and the names of the rules that ask for it."""
        return self.evaluate_values(
            e.account_score,
            e.campaign_score,
            e.cluster_score,
            e.requests,
            e.account_age_days,
            e.pathway,
            e.jurisdiction,
            e.signatures,
            e.detector_flagged,
        )

    def evaluate_values(
        self,
        account_score: float,
        campaign_score: float,
        cluster_score: float,
        requests: int,
        account_age_days: float | None,
        pathway: str | None,
        jurisdiction: str | None,
        signatures: frozenset[str],
        detector_flagged: bool,
    ) -> tuple[Action, tuple[str, ...]]:
        """`evaluate` on the fields themselves: the guard's hot path builds an Evidence only on a memo miss."""
        values = (account_score, campaign_score, cluster_score, requests, account_age_days)
        key: list = [
            None if (v := values[i]) is None else (bisect_left(ordered, v), v in exact)
            for i, ordered, exact in self._bounds
        ]
        key += (pathway, jurisdiction, signatures & self._named_sigs if signatures else signatures, detector_flagged)
        hit = self._cache.get(k := tuple(key))
        if hit is not None:
            return hit
        e = Evidence(
            account_score,
            campaign_score,
            requests,
            account_age_days,
            pathway,
            jurisdiction,
            signatures,
            detector_flagged,
            cluster_score,
        )
        best = Action.ALLOW
        why: tuple[str, ...] = ()
        for name, action, preds in self._rules:
            if action < best:
                continue
            if all(p(e) for p in preds):
                if action > best:
                    best, why = action, (name,)
                elif action == best:
                    why = (*why, name)
        if len(self._cache) >= _CACHE_CAP:
            self._cache.clear()
        self._cache[k] = (best, why)
        return best, why
