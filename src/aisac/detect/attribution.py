"""Campaigns out of flagged accounts, and what can be attributed to each: who, from where, with what, when.

A campaign is a linked community (see `linking`) whose members carry evidence: its flagged members. A flagged
account linked to no other flagged account is a campaign of one (naive bulk extraction, a reseller).
Attribution is computed in DuckDB over the campaign's requests, and mapped to MITRE ATLAS techniques.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.contract.findings import Campaign
from aisac.contract.stix import ATLAS, ATLAS_URL, campaign_stix_id
from aisac.detect import taxonomy
from aisac.detect.merge import OPERATOR_FAMILIES, Join, joins

FAMILY_WORDS = {
    "payment": "share payment cards",
    "address": "share exit addresses",
    "block": "share address blocks",
    "client": "share client software",
    "system_prompt": "share a system prompt",
    "template": "share prompt templates",
    "signup": "were opened in the same hours",
    "timing": "fire in lockstep",
}


def _campaign_id(members: list[str]) -> str:
    return "C-" + hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()[:10]


#: Shared facts that tie flagged accounts to one operation even across Leiden communities: who pays, where
#: the traffic exits, what harness prompt it runs. (Client strings, sign-up hours and timing can coincide
#: between unrelated operations; they shape communities but do not merge campaigns.)
INFRASTRUCTURE = OPERATOR_FAMILIES
JOIN_WORDS = {
    "payment": "pay with one card",
    "address": "exit through one address",
    "block": "exit through one address block",
    "system_prompt": "run one system prompt",
}


def _groups(links, flagged: list[str], joined: list[Join] = ()) -> list[list[str]]:
    """Flagged accounts joined when in one Leiden community, linked by shared infrastructure, or holding one
    operator-owned value (`merge.joins`), by union-find."""
    parent = {a: a for a in flagged}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    first_in: dict[int, str] = {}
    for a in flagged:
        community = links.membership.get(a)
        if community is not None:
            union(a, first_in.setdefault(community, a))
    edges = links.edges
    if edges.num_rows and flagged:
        among = pa.array(flagged)
        infra = pc.match_substring_regex(edges["families"], "|".join(sorted(INFRASTRUCTURE)))
        keep = pc.and_(pc.and_(pc.is_in(edges["a"], among), pc.is_in(edges["b"], among)), infra)
        for a, b in zip(*(edges.filter(keep)[c].to_pylist() for c in ("a", "b")), strict=True):
            union(a, b)
    for j in joined:
        for a in j.accounts[1:]:
            union(j.accounts[0], a)
    groups: dict[str, list[str]] = {}
    for a in flagged:
        groups.setdefault(find(a), []).append(a)
    return list(groups.values())


def attribute(
    con: duckdb.DuckDBPyConnection,
    analysis,
    ids: list[str],
    scores: np.ndarray,
    flagged: np.ndarray,
    reasons: list[list[str]],
) -> tuple[list[Campaign], dict[str, str]]:
    """(campaigns with attribution, account -> campaign id) for the flagged accounts."""
    campaign_of: dict[str, str] = {}
    members_of: dict[str, list[str]] = {}
    flagged_ids = [a for a, f in zip(ids, flagged, strict=True) if f]
    joined = joins(con, flagged_ids)
    for members in _groups(analysis.links, flagged_ids, joined):
        cid = _campaign_id(members)
        members_of[cid] = sorted(members)
        campaign_of.update(dict.fromkeys(members, cid))
    if not campaign_of:
        return [], {}
    con.register("_campaign_of", pa.table({"account": list(campaign_of), "campaign": list(campaign_of.values())}))
    facts = _facts(con)
    edges = _link_families(con, analysis.links.edges)
    con.unregister("_campaign_of")
    score_of = dict(zip(ids, scores.tolist(), strict=True))
    reasons_of = dict(zip(ids, reasons, strict=True))
    campaigns = []
    for cid, members in sorted(members_of.items(), key=lambda kv: -len(kv[1])):
        f = facts[cid]
        families = edges.get(cid, Counter())
        by_score = sorted(members, key=lambda m: -score_of[m])
        counted = Counter(feature for m in members for feature, _ in reasons_of[m])
        example = {}
        for m in reversed(by_score):
            example.update(dict(reasons_of[m]))
        techniques = ["AML.T0024.002", "AML.T0040"]
        if len(members) > 1 or f["young_accounts"] > 0:
            techniques.append("AML.T0021")
        if families["address"] or families["block"] or (len(members) == 1 and f["requests"] > 20_000):
            techniques.append("AML.T0008.005")
        why = [
            f"{n} of {len(members)} accounts: " + ("e.g. " if n > 1 else "") + example[feature]
            for feature, n in counted.most_common(5)
        ]
        why += [f"members {FAMILY_WORDS[fam]} ({n} linked pairs)" for fam, n in families.most_common()]
        why += [
            f"{len(j.accounts)} members {JOIN_WORDS[j.family]} that {j.cleared} cleared accounts share"
            for j in sorted(joined, key=lambda j: -len(j.accounts))
            if campaign_of[j.accounts[0]] == cid
        ][:5]
        campaigns.append(
            Campaign(
                id=cid,
                stix_id=campaign_stix_id(cid),
                score=float(np.mean([score_of[m] for m in members])),
                accounts=members,
                account_count=len(members),
                requests=f["requests"],
                output_tokens=f["output_tokens"],
                first_seen=f["first_seen"],
                last_seen=f["last_seen"],
                address_blocks=f["blocks"],
                asns=f["asns"],
                payment_fingerprints=f["payments"],
                user_agents=f["user_agents"],
                models=f["models"],
                capability_areas=f.get("areas", []),
                atlas_techniques=[{"id": t, "name": ATLAS[t][0], "url": ATLAS_URL.format(t)} for t in techniques],
                reasons=why,
            )
        )
    return campaigns, campaign_of


def _facts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    rows = (
        con.sql(
            """
        SELECT c.campaign, count(*) AS requests, sum(r.tout) AS output_tokens,
               strftime(min(r.time), '%Y-%m-%dT%H:%M:%SZ') AS first_seen,
               strftime(max(r.time), '%Y-%m-%dT%H:%M:%SZ') AS last_seen,
               histogram(r.block) AS blocks, histogram(r.asn) AS asns, histogram(r.ua) AS user_agents,
               histogram(r.model) AS models, list(DISTINCT r.payment) AS payments,
               count(DISTINCT r.account) FILTER (date_diff('day', r.created_at, r.time) < 60) AS young_accounts
        FROM _req r JOIN _campaign_of c ON c.account = r.account GROUP BY c.campaign
        """
        )
        .to_arrow_table()
        .to_pylist()
    )
    facts = {}
    for row in rows:
        facts[row["campaign"]] = {
            "requests": row["requests"],
            "output_tokens": int(row["output_tokens"] or 0),
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
            "blocks": _hist(row["blocks"], 10),
            "asns": _hist(row["asns"], 10),
            "user_agents": _hist(row["user_agents"], 5),
            "models": _hist(row["models"], 10),
            "payments": sorted(p for p in row["payments"] if p)[:50],
            "young_accounts": row["young_accounts"],
        }
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    if "_content" in tables:
        con.register("_kw_area", taxonomy.keyword_table())
        for row in (
            con.sql(
                """
            SELECT c.campaign, histogram(k.area) AS areas
            FROM (SELECT account, unnest(keywords) AS keyword FROM _content) u
            JOIN _kw_area k USING (keyword) JOIN _campaign_of c ON c.account = u.account GROUP BY c.campaign
            """
            )
            .to_arrow_table()
            .to_pylist()
        ):
            facts[row["campaign"]]["areas"] = _hist(row["areas"], len(taxonomy.NAMES), "sampled_prompts")
        con.unregister("_kw_area")
    return facts


def _hist(histogram, limit: int, unit: str = "requests") -> list[dict[str, Any]]:
    """A DuckDB histogram (map, as a list of key/value pairs) as the `limit` most frequent values."""
    pairs = histogram.items() if isinstance(histogram, dict) else [(k, v) for k, v in (histogram or [])]
    ranked = sorted(((k, v) for k, v in pairs if k is not None), key=lambda kv: -kv[1])[:limit]
    return [{"value": k, unit: v} for k, v in ranked]


def _link_families(con: duckdb.DuckDBPyConnection, edges: pa.Table) -> dict[str, Counter]:
    """Per campaign: how many linked member pairs each family of shared evidence accounts for."""
    if edges.num_rows == 0:
        return {}
    con.register("_edges_in", edges)
    rows = (
        con.sql(
            """
        SELECT campaign, family, count(*) AS pairs FROM (
            SELECT ca.campaign, unnest(string_split(e.families, ',')) AS family
            FROM _edges_in e JOIN _campaign_of ca ON ca.account = e.a JOIN _campaign_of cb ON cb.account = e.b
            WHERE ca.campaign = cb.campaign)
        GROUP BY ALL
        """
        )
        .to_arrow_table()
        .to_pylist()
    )
    con.unregister("_edges_in")
    out: dict[str, Counter] = {}
    for row in rows:
        out.setdefault(row["campaign"], Counter())[row["family"]] = row["pairs"]
    return out
