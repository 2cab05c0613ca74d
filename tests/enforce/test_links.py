"""The link graph's small sets of keys that can matter stay exactly what the full table says."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.enforce.links import CLEAN, FLAGGED, PROMPT, STRONG, UNKNOWN, WEAK, LinkGraph
from aisac.enforce.policy import Links

KEYS = ["pay:c1", "pay:c2", "tpl:t1", "sys:s1", "ip:192.0.2.1", "ua:sdk/1", "dom:example.com"]
ORGS = [None, "org-a", "org-b"]
STATUSES = [UNKNOWN, CLEAN, FLAGGED]

step = st.one_of(
    st.tuples(
        st.just("attach"),
        st.integers(0, 5),  # which account
        st.lists(st.sampled_from(KEYS), max_size=4),
        st.sampled_from(ORGS),
        st.booleans(),
    ),
    st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from(STATUSES)),
)


def apply(graph: LinkGraph, links: list[set[str]], status: list[int], s: tuple) -> None:
    """One generated step: an account seen on keys, or its status changed."""
    if s[0] == "attach":
        _, a, keys, org, young = s
        graph.attach(links[a], status[a], tuple(keys), org, young)
    elif s[2] != status[s[1]]:
        graph.set_status(links[s[1]], status[s[1]], s[2])
        status[s[1]] = s[2]


@settings(max_examples=200, deadline=None)
@given(st.lists(step, max_size=60))
def test_flagged_and_crowd_sets_match_the_counts(steps) -> None:
    graph = LinkGraph(Links(cluster_min=3))
    links: list[set[str]] = [set() for _ in range(6)]
    status = [UNKNOWN] * 6
    for s in steps:
        apply(graph, links, status, s)
        assert graph.flagged == {k for k, c in graph.keys.items() if c.flagged}
        assert graph.crowds == {
            k
            for k, c in graph.keys.items()
            if k.startswith(("pay:", "tpl:", "sys:")) and c.accounts >= 3 and c.org == "\x00mixed"
        }
        # the campaign score of every account is what the per-key definition gives
        for a in range(6):
            score, _ = graph.campaign(tuple(links[a]), status[a], links[a], set(), frozenset())
            assert 0.0 <= score <= 1.0
            if not graph.flagged & links[a]:
                assert score == 0.0


def reference_campaign(graph: LinkGraph, keys, status, own, burned, ignore, org, coverage) -> float:
    """The campaign score straight from its definition (LinkGraph.campaign's docstring), key by key."""
    cfg = graph.cfg
    strong, weak, prompts = [], [], []
    for k in keys:
        if k in ignore:
            continue
        kind = graph.kind(k)
        s = 0.0
        st = graph.keys.get(k)
        if st is not None and st.flagged and (org is None or st.org != org):
            counted = k in own
            flagged = st.flagged - (counted and status == FLAGGED)
            if flagged > 0:
                others = st.accounts - counted - flagged if kind.popular else st.clean - (counted and status == CLEAN)
                s = kind.weight * flagged / (flagged + others) * min(1.0, flagged / cfg.min_flagged)
                s *= cfg.rare_accounts / (cfg.rare_accounts + others)
        if k in burned:
            s = max(s, kind.weight * cfg.burned)
        if s > 0:
            {STRONG: strong, WEAK: weak, PROMPT: prompts}[kind.group].append((k, s))
    miss = math.prod(1.0 - s for _, s in strong)
    tainted = [(k, s) for k, s in prompts if s >= 0.3]
    if tainted:
        share = sum(coverage(k) for k, _ in tainted) / cfg.prompt_share_full
        miss *= 1.0 - max(s for _, s in tainted) * min(1.0, share)
    weak_part = min(1.0 - math.prod(1.0 - s for _, s in weak), cfg.weak_cap)
    return 1.0 - miss * (1.0 - weak_part)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(step, max_size=60),
    st.lists(st.sampled_from(KEYS), max_size=7, unique=True),  # a request carries each key once
    st.sets(st.sampled_from(KEYS), max_size=3),
    st.sets(st.sampled_from(KEYS), max_size=2),
    st.sampled_from(ORGS),
)
def test_campaign_score_is_its_definition(steps, request_keys, burned, ignore, org) -> None:
    """The fast path (C-level prefilters, keys that cannot matter skipped) scores like the plain definition,
    for a request's keys (a tuple) and for an account's remembered keys (a set), with burned and
    allow-listed keys."""
    graph = LinkGraph(Links(cluster_min=3))
    links: list[set[str]] = [set() for _ in range(6)]
    status = [UNKNOWN] * 6
    for s in steps:
        apply(graph, links, status, s)
    own, own_status = links[0], status[0]
    uses = {k: 1 + len(k) % 3 for k in KEYS}
    coverage = uses.__getitem__
    for keys in (tuple(request_keys), own):
        got, top = graph.campaign(keys, own_status, own, burned, frozenset(ignore), org, coverage)
        want = reference_campaign(graph, keys, own_status, own, burned, ignore, org, coverage)
        assert got == pytest.approx(want, abs=1e-12)
        assert want == 0.0 or top is not None  # a positive score names the key that weighs most
