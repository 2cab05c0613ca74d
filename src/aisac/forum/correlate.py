"""Which campaigns, across labs and within them, are one operator: specific shared evidence, common facts discounted.

Each kind of evidence gives a pair of campaigns a strength in [0, 1):

* shared values (exact exits, address blocks, ASNs, client strings, mail domains): each value counts with its
  *specificity* `idf(k) / (1 + u)`: `k` campaigns carry it (`idf = ln(N/k) / ln N` over all N campaigns read),
  and `u` accounts that the reporting labs did *not* flag used it (summed over labs, each lab's own count).
  A VPN or carrier-NAT exit that customers share, a big cloud network, an SDK's user agent or a webmail domain
  therefore weighs almost nothing; an exit only this operator used weighs fully. Strength `1 - exp(-sum)`.
* sketches (prompt set, harness prompt): the share of MinHash slots two campaigns agree on, each slot weighted
  by the `idf` of its value, so tradecraft many campaigns share ("think step by step" templates, a public
  harness) counts little while the operator's own question list counts fully.
* payments: the number of payment fingerprints two labs found in common by private set intersection (an
  optional input); strength `1 - exp(-n)`.

A pair's score sums the kinds by weight within three groups, each capped at `GROUP_CAP` (infrastructure:
exits, blocks, ASNs; identity: clients, mail; content: prompts, harness) plus payments uncapped. A link needs
`LINK` and corroboration: with the cap below it no one group suffices, and the groups besides the strongest
must add `CORROBORATION` together, each counting only from `MIN_GROUP` (two unrelated operators who run the same
public template over the same public questions agree on content, and a little on common tools; they do not also
share exits), unless payments alone reach `LINK`. Clusters are the connected
components of the links; a cluster's confidence is that of its weakest necessary link (the weakest edge of its
maximum spanning tree).

Candidate pairs come from inverted indexes (campaigns sharing a value) and MinHash LSH banding, never from all
pairs: values or bands that more than `MAX_CARRIERS` campaigns share are generic and link no one.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from aisac.contract import signals, sketch
from aisac.forum.records import CampaignRecord

#: kind -> (weight, group). Weights say how much a fully specific match of that kind is worth.
VALUE_KINDS: dict[str, tuple[float, str]] = {
    "exits": (1.0, "infrastructure"),
    "blocks": (0.4, "infrastructure"),
    "asns": (0.1, "infrastructure"),
    "clients": (0.3, "identity"),
    "mail_domains": (0.3, "identity"),
}
SKETCH_KINDS: dict[str, tuple[float, str]] = {"prompt_sketch": (1.0, "content"), "harness_sketch": (0.6, "content")}
PAYMENT_WEIGHT = 1.5
GROUP_CAP = 0.8
LINK = 1.0
CORROBORATION = 0.3  # what the groups besides the strongest must add together
MIN_GROUP = 0.15  # ... each counting only from this much (one weakly specific value is not corroboration)
MAX_CARRIERS = 200
#: Values less specific than this link no one: an exit some customers also use (or that many campaigns carry)
#: is the kind of evidence the discount exists for, and skipping it keeps candidate pairs few.
MIN_SPECIFICITY = 0.05
BAND = 4  # MinHash slots per LSH band
_CHUNK = 200_000


@dataclass
class Cluster:
    """Campaigns judged to be one operator's, with the labs they came from and why."""

    id: str
    labs: list[str]
    campaigns: list[str]
    confidence: int
    evidence: list[str]

    def as_dict(self) -> dict:
        return {"id": self.id, "labs": self.labs, "campaigns": self.campaigns, "confidence": self.confidence,
                "evidence": self.evidence}


@dataclass
class _Values:
    """One kind of shared value: (campaign, value) incidence with each value's specificity."""

    campaign: np.ndarray  # int, per incidence
    value: np.ndarray  # int, per incidence
    names: np.ndarray  # value id -> text
    specificity: np.ndarray  # value id -> idf / (1 + unflagged)
    unflagged: np.ndarray  # value id -> unflagged accounts summed over labs
    carriers: np.ndarray  # value id -> campaigns carrying it


def idf(k: np.ndarray, n: int) -> np.ndarray:
    """ln(N/k) / ln(N): 1 for a value one campaign has, 0 for one every campaign has."""
    return np.clip(np.log(n / np.maximum(k, 1)) / np.log(max(n, 3)), 0.0, 1.0)


def _block_of(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an exit address lies in, as the detector names its blocks."""
    return signals.address_block(address) or address


def _all_values(recs: Sequence[CampaignRecord]) -> dict[str, _Values]:
    """Every value kind; an exit's prevalence also counts its block's (a VPN server's neighbours are the same
    service: an exit no customer happened to use here is still a popular exit when its block is)."""
    labs = sorted({r.lab for r in recs})
    lab_of = np.asarray([labs.index(r.lab) for r in recs], np.int64) if recs else np.zeros(0, np.int64)
    out = {kind: _values(recs, kind, lab_of) for kind in VALUE_KINDS}
    exits, blocks = out["exits"], out["blocks"]
    if len(exits.names) and len(blocks.names):
        where = np.searchsorted(blocks.names, np.asarray([_block_of(a) for a in exits.names], dtype=object))
        where = np.minimum(where, len(blocks.names) - 1)
        found = blocks.names[where] == np.asarray([_block_of(a) for a in exits.names], dtype=object)
        exits.unflagged = exits.unflagged + np.where(found, blocks.unflagged[where], 0)
        exits.specificity = idf(exits.carriers, len(recs)) / (1.0 + exits.unflagged)
    return out


def _values(recs: Sequence[CampaignRecord], kind: str, lab_of: np.ndarray) -> _Values:
    camp, vals, unflagged = [], [], []
    for i, r in enumerate(recs):
        for e in r.evidence.get(kind) or ():
            if isinstance(e, dict) and e.get("value") is not None:
                camp.append(i)
                vals.append(str(e["value"]))
                u = e.get("unflagged_accounts", 0)
                unflagged.append(u if isinstance(u, int) and not isinstance(u, bool) and u >= 0 else 0)
    if not vals:
        empty = np.zeros(0, np.int64)
        return _Values(empty, empty, np.zeros(0, object), np.zeros(0), empty, empty)
    names, raw = np.unique(np.asarray(vals, dtype=object), return_inverse=True)
    raw_campaign = np.asarray(camp, np.int64)
    # prevalence: per (value, lab) the largest count a campaign of that lab reported, summed over labs
    labs = int(lab_of.max(initial=0)) + 1
    per_lab = np.zeros(len(names) * labs, np.int64)
    np.maximum.at(per_lab, raw * labs + lab_of[raw_campaign], np.asarray(unflagged, np.int64))
    unflagged_total = per_lab.reshape(len(names), labs).sum(axis=1)
    pair = np.unique(raw_campaign * len(names) + raw)  # each (campaign, value) once
    campaign, value = pair // len(names), pair % len(names)
    carriers = np.bincount(value, minlength=len(names))
    spec = idf(carriers, len(recs)) / (1.0 + unflagged_total)
    return _Values(campaign, value, names, spec, unflagged_total, carriers)


def _pairs_within(keys: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of `members` that share a key, for groups of 2..MAX_CARRIERS (vectorised)."""
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    start = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1]
    size = np.diff(np.r_[start, len(keys)])
    ok = (size >= 2) & (size <= MAX_CARRIERS)
    start, size = start[ok], size[ok]
    if len(start) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # element at position p of a group of size s pairs with positions p+1..s-1
    heads = size - 1
    first = np.repeat(start, heads) + np.arange(heads.sum()) - np.repeat(np.cumsum(heads) - heads, heads)
    group_end = np.repeat(start + size, heads)
    reps = group_end - first - 1
    a = np.repeat(first, reps)
    offsets = np.arange(len(a)) - np.repeat(np.cumsum(reps) - reps, reps)
    b = a + 1 + offsets
    x, y = members[a], members[b]
    keep = x != y
    return np.minimum(x, y)[keep], np.maximum(x, y)[keep]


def _value_strength(v: _Values, n: int) -> sparse.csr_matrix:
    """Upper-triangular (n x n) strengths 1 - exp(-sum of shared values' specificity)."""
    usable = ((v.carriers[v.value] >= 2) & (v.carriers[v.value] <= MAX_CARRIERS)
              & (v.specificity[v.value] >= MIN_SPECIFICITY))
    if not usable.any():
        return sparse.csr_matrix((n, n))
    c, val = v.campaign[usable], v.value[usable]
    m = sparse.csr_matrix((np.ones(len(c)), (c, val)), shape=(n, len(v.names)))
    w = sparse.csr_matrix((v.specificity[val], (c, val)), shape=(n, len(v.names)))
    total = sparse.triu(w @ m.T, k=1).tocsr()
    total.data = 1.0 - np.exp(-total.data)
    return total


def _sketch_matrix(recs: Sequence[CampaignRecord], kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(n x K) slot values (-1 where a campaign has no sketch) and the per-slot idf weight of each value."""
    n = len(recs)
    s = np.full((n, sketch.K), -1, np.int64)
    for i, r in enumerate(recs):
        v = sketch.values(r.evidence.get(kind))
        if v is not None:
            s[i] = v
    has = s[:, 0] >= 0
    w = np.zeros((n, sketch.K))
    if has.any():
        flat = (np.arange(sketch.K)[None, :] << 32) + s[has]  # (slot, value) in one int64
        _, inverse, counts = np.unique(flat.ravel(), return_inverse=True, return_counts=True)
        w[has] = idf(counts[inverse], n).reshape(-1, sketch.K)
    return s, w


def _lsh_pairs(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs: campaigns agreeing on every slot of at least one band."""
    has = np.flatnonzero(s[:, 0] >= 0)
    if len(has) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bands = sketch.K // BAND
    x = s[has, : bands * BAND].reshape(len(has), bands, BAND).astype(np.uint64)
    mix = np.zeros((len(has), bands), np.uint64)
    for j in range(BAND):  # a 64-bit mix of the band's values (collisions only add candidates)
        mix = (mix ^ x[:, :, j]) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(j + 1)
    keys = mix ^ (np.arange(bands, dtype=np.uint64)[None, :] << np.uint64(58))
    return _pairs_within(keys.ravel().view(np.int64), np.repeat(has, bands))


def _sketch_strength(s: np.ndarray, w: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Specificity-weighted share of agreeing slots for each pair (a, b)."""
    out = np.zeros(len(a))
    both = np.flatnonzero((s[a, 0] >= 0) & (s[b, 0] >= 0))
    a, b = a[both], b[both]
    found = np.zeros(len(a))
    for i in range(0, len(a), _CHUNK):
        sa, sb = s[a[i : i + _CHUNK]], s[b[i : i + _CHUNK]]
        eq = (sa == sb) & (sa >= 0)
        found[i : i + _CHUNK] = (eq * w[a[i : i + _CHUNK]]).sum(axis=1) / sketch.K
    out[both] = found
    return out


@dataclass
class Links:
    """Every candidate pair with its score and per-kind strengths (for evidence and tests)."""

    a: np.ndarray
    b: np.ndarray
    score: np.ndarray
    linked: np.ndarray  # score >= LINK and corroborated (see `correlate`)
    strength: dict[str, np.ndarray]


def score_pairs(recs: Sequence[CampaignRecord], payments: Iterable[tuple[str, str, int]] = ()) -> Links:
    """Candidate pairs and their scores (see the module docstring)."""
    n = len(recs)
    mats = {kind: _value_strength(v, n) for kind, v in _all_values(recs).items()}
    index = {r.stix_id: i for i, r in enumerate(recs)}
    pay = [(index[x], index[y], k) for x, y, k in payments if x in index and y in index and x != y]
    if pay:
        pa_, pb, pk = (np.asarray(t) for t in zip(*pay, strict=True))
        mats["payments"] = sparse.csr_matrix(
            (1.0 - np.exp(-pk.astype(float)), (np.minimum(pa_, pb), np.maximum(pa_, pb))), shape=(n, n))
    sketches = {kind: _sketch_matrix(recs, kind) for kind in SKETCH_KINDS}
    cands = [m.tocoo() for m in mats.values()]
    pa_list = [c.row for c in cands] + [_lsh_pairs(s)[0] for s, _ in sketches.values()]
    pb_list = [c.col for c in cands] + [_lsh_pairs(s)[1] for s, _ in sketches.values()]
    if n < 2:
        return Links(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool), {})
    key = np.unique(np.concatenate(pa_list).astype(np.int64) * n + np.concatenate(pb_list).astype(np.int64))
    a, b = key // n, key % n
    strength = {kind: np.asarray(m[a, b]).ravel() if len(a) else np.zeros(0) for kind, m in mats.items()}
    for kind, (s, w) in sketches.items():
        strength[kind] = _sketch_strength(s, w, a, b)
    groups: dict[str, np.ndarray] = {}
    for kind, (weight, group) in (VALUE_KINDS | SKETCH_KINDS).items():
        groups[group] = groups.get(group, np.zeros(len(a))) + weight * strength[kind]
    capped = np.stack([np.minimum(g, GROUP_CAP) for g in groups.values()])
    score = capped.sum(axis=0)
    counted = np.where(capped >= MIN_GROUP, capped, 0.0)
    corroborated = counted.sum(axis=0) - counted.max(axis=0) >= CORROBORATION
    if "payments" in strength:
        paid = PAYMENT_WEIGHT * strength["payments"]
        score = score + paid
        corroborated |= paid >= LINK
    return Links(a, b, score, (score >= LINK) & corroborated, strength)


def correlate(recs: Sequence[CampaignRecord], payments: Iterable[tuple[str, str, int]] = ()) -> list[Cluster]:
    """Every campaign in exactly one cluster (singletons too), largest clusters first."""
    recs = list(recs)
    n = len(recs)
    if n == 0:
        return []
    links = score_pairs(recs, payments)
    keep = links.linked
    a, b, s = links.a[keep], links.b[keep], links.score[keep]
    graph = sparse.csr_matrix((s, (a, b)), shape=(n, n))
    count, label = csgraph.connected_components(graph, directed=False)
    # weakest necessary link: the smallest edge of each component's maximum spanning tree
    weakest = np.full(count, np.inf)
    if len(s):
        tree = csgraph.minimum_spanning_tree(sparse.csr_matrix((s.max() + 1.0 - s, (a, b)), shape=(n, n))).tocoo()
        np.minimum.at(weakest, label[tree.row], s.max() + 1.0 - tree.data)
    explain = _Explainer(recs, links, keep, label, count)
    clusters = []
    order = np.argsort(label, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(label[order])) + 1, n]
    for lo, hi in itertools.pairwise(bounds):
        members = order[lo:hi]
        ids = sorted(recs[i].stix_id for i in members)
        group = label[members[0]]
        conf = 0 if len(members) == 1 else int(min(99, round(100 * (1 - np.exp(-weakest[group])))))
        clusters.append(Cluster("F-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:10],
                                sorted({recs[i].lab for i in members}), ids, conf, explain(group, len(members))))
    return sorted(clusters, key=lambda c: (-len(c.campaigns), c.id))


def _slices(keys: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Order of `keys` and where each key 0..count-1 starts in it (so key k is order[start[k]:start[k + 1]])."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(count + 1))


class _Explainer:
    """Evidence sentences for a cluster: the specific values its campaigns share, and what was discounted.

    Links and values are grouped by cluster once, so explaining every cluster costs one pass in all."""

    def __init__(self, recs: Sequence[CampaignRecord], links: Links, keep: np.ndarray, label: np.ndarray,
                 count: int):
        self.values = _all_values(recs)
        self.strength = {k: v[keep] for k, v in links.strength.items()}
        self.links = _slices(label[links.a[keep]], count)
        self.incidence = {kind: _slices(label[v.campaign], count) for kind, v in self.values.items()}

    def __call__(self, group: int, size: int) -> list[str]:
        if size == 1:
            return ["no specific evidence shared with another campaign"]
        out, common = [], []
        order, start = self.links
        sel = order[start[group] : start[group + 1]]
        for kind in ("payments", *SKETCH_KINDS):
            st = self.strength.get(kind)
            if st is not None and len(sel) and st[sel].max() > 0.05:
                what = {"prompt_sketch": "prompt-set overlap", "harness_sketch": "harness prompt overlap",
                        "payments": "payment overlap (PSI)"}[kind]
                out.append(f"{what} {np.median(st[sel]):.2f} (median over {len(sel)} links, weighted by specificity)")
        for kind, v in self.values.items():
            order, start = self.incidence[kind]
            ids, shared = np.unique(v.value[order[start[group] : start[group + 1]]], return_counts=True)
            ids = ids[shared >= 2]
            specific = ids[v.specificity[ids] >= 0.2]
            if len(ids) > len(specific):
                common.append(f"{len(ids) - len(specific)} {kind.replace('_', ' ')}")
            if len(specific):
                top = specific[np.argsort(-v.specificity[specific], kind="stable")][:2]
                out.append(f"{len(specific)} shared {kind.replace('_', ' ')}, e.g. "
                           + ", ".join(str(v.names[t]) for t in top)
                           + f" (unflagged users at the labs: {int(v.unflagged[specific].max())} at most)")
        if common:
            out.append("discounted as common (customers use them, or many campaigns do): " + ", ".join(common))
        return out
