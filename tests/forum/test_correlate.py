"""Correlation on hand-built evidence: specific evidence links, common evidence is discounted."""

from __future__ import annotations

import random

import numpy as np

from aisac.contract import sketch
from aisac.forum.baseline import exact_overlap
from aisac.forum.correlate import LINK, correlate, score_pairs
from aisac.forum.records import CampaignRecord


def _questions(seed: int, n: int = 200) -> list[str]:
    rng = random.Random(seed)
    return [f"Estimate quantity {rng.randrange(10**6)} under load {rng.randrange(10**6)}" for _ in range(n)]


def _vals(values, unflagged=0):
    return [{"value": v, "requests": 10, "accounts": 2, "unflagged_accounts": unflagged} for v in values]


def _rec(i: int, lab: str, exits=(), vpn=(), client="harvester/1", mail="gmail.com", prompts=None, harness=None):
    ev = {
        "population": 1000,
        "exits": _vals(exits) + _vals(vpn, 3),
        "blocks": _vals(sorted({e.rsplit(".", 1)[0] + ".0/24" for e in exits})) + _vals(
            sorted({e.rsplit(".", 1)[0] + ".0/24" for e in vpn}), 40),
        "clients": _vals([client]) + _vals(["OpenAI/Python 1.54.3"], 300),
        "mail_domains": _vals([mail], 500),
        "asns": _vals(["16509"], 200),
    }
    if prompts is not None:
        ev["prompt_sketch"] = sketch.sketch(prompts)
    if harness is not None:
        ev["harness_sketch"] = sketch.sketch([harness])
    return CampaignRecord(f"campaign--{i:08d}-0000-0000-0000-000000000000", lab, f"c{i}", None, None, ev)


def _world():
    """One operator at three labs (two fragments at lab-a); two same-tradecraft operators; VPN campaigns."""
    op = [f"203.0.113.{i}" for i in range(10, 40)]
    vpn = [f"198.51.100.{i}" for i in range(1, 30)]
    template = "Show your full chain of thought, every intermediate step, then the answer."
    q = [f"{x} {template}" for x in _questions(1)]
    recs = [
        _rec(0, "lab-a", op[:20], prompts=q[:120], client="aiohttp/3.9.5"),
        _rec(1, "lab-a", op[10:30], prompts=q[60:], client="aiohttp/3.9.5"),
        _rec(2, "lab-b", op[5:25], prompts=q, client="aiohttp/3.9.5"),
        _rec(3, "lab-c", op[::2], prompts=q[30:180], client="aiohttp/3.9.5"),
    ]
    # same tradecraft (templates, client, cloud ASN), own exits and questions
    for i, lab in ((4, "lab-a"), (5, "lab-b"), (6, "lab-c")):
        own = [f"192.0.{i}.{k}" for k in range(20)]
        recs.append(_rec(i, lab, own, prompts=[f"{x} {template}" for x in _questions(i)], client="aiohttp/3.9.5"))
    # lab-local campaigns behind the same popular VPN exits, each with its own questions
    for i, lab in ((7, "lab-a"), (8, "lab-b"), (9, "lab-c")):
        recs.append(_rec(i, lab, [f"100.64.{i}.{k}" for k in range(5)], vpn=vpn,
                         prompts=[f"{x} {template}" for x in _questions(100 + i)]))
    # the rest of what the forum reads: specificity is measured against a population of campaigns
    for i in range(10, 40):
        recs.append(_rec(i, f"lab-{'abc'[i % 3]}", [f"172.16.{i}.{k}" for k in range(5)], client=f"tool/{i % 4}",
                         prompts=[f"{x} {template}" for x in _questions(200 + i, 50)]))
    return recs


def test_one_operator_across_labs_and_nothing_else():
    recs = _world()
    clusters = correlate(recs)
    assert sorted(x for c in clusters for x in c.campaigns) == sorted(r.stix_id for r in recs)  # each once
    top = clusters[0]
    assert top.campaigns == sorted(r.stix_id for r in recs[:4])
    assert top.labs == ["lab-a", "lab-b", "lab-c"] and top.confidence >= 60
    assert any("shared exits" in e for e in top.evidence) and any("prompt-set" in e for e in top.evidence)
    assert all(len(c.campaigns) == 1 and c.confidence == 0 for c in clusters[1:])


def test_common_evidence_alone_never_links():
    recs = _world()
    links = score_pairs(recs)
    ids = {r.stix_id: i for i, r in enumerate(recs)}
    vpn_pair = (links.a == ids[recs[7].stix_id]) & (links.b == ids[recs[8].stix_id])
    assert vpn_pair.any() and links.score[vpn_pair][0] < LINK  # popular exits discounted by prevalence
    tradecraft = (links.a == ids[recs[4].stix_id]) & (links.b == ids[recs[5].stix_id])
    assert not tradecraft.any() or links.score[tradecraft][0] < LINK


def test_the_exact_overlap_baseline_merges_on_common_values():
    groups = exact_overlap(_world())
    assert len(groups) == 1  # everyone shares the SDK user agent and gmail.com


def test_payment_overlap_links_what_nothing_else_would():
    recs = _world()[4:6]
    assert len(correlate(recs)) == 2
    clusters = correlate(recs, [(recs[0].stix_id, recs[1].stix_id, 3)])
    assert len(clusters) == 1 and any("payment" in e for e in clusters[0].evidence)


def test_harness_fingerprint_corroborates_infrastructure():
    harness = "You are agent-417, an autonomous engineer for project 8812. Narrate every tool call in full."
    exits = [f"203.0.113.{i}" for i in range(3)]
    other = _rec(9, "lab-c", ["192.0.2.1"])

    def score(with_harness: bool) -> float:
        a = _rec(0, "lab-a", exits, harness=harness if with_harness else None)
        b = _rec(1, "lab-b", exits, harness=harness + " Be brief." if with_harness else None)
        return float(score_pairs([a, b, other]).score[0])

    assert score(True) > score(False) + 0.15


def test_empty_and_single_inputs():
    assert correlate([]) == []
    one = correlate([_rec(0, "lab-a", ["203.0.113.1"])])
    assert len(one) == 1 and one[0].confidence == 0


def test_many_campaigns_are_handled_without_pairwise_blowup():
    rng = np.random.default_rng(0)
    recs = [_rec(i, f"lab-{'abc'[i % 3]}", [f"10.{i // 250}.{i % 250}.{k}" for k in range(3)],
                 client=f"tool/{rng.integers(0, 5)}") for i in range(3000)]
    clusters = correlate(recs)
    assert sum(len(c.campaigns) for c in clusters) == 3000
