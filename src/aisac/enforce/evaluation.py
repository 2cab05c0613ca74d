"""Replay quality against labels: per campaign kind, the share of exchanges served in full before action;
per benign persona, the share of requests throttled, degraded, challenged or blocked.

Labels are `labels.csv` with columns `account_id,label,persona,campaign`; `label` is `benign` or
`distillation`; `persona` names the benign persona or the campaign kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aisac.enforce.actions import OUTCOMES, Action
from aisac.enforce.replay import AccountTally
from aisac.evaluate.labels import read_labels as read_label_table

#: A benign account is "heavy" when its request count is in the top 1% of benign accounts.
HEAVY_QUANTILE = 0.99


@dataclass(frozen=True)
class Label:
    label: str
    persona: str
    campaign: str


def read_labels(path: Path) -> dict[str, Label]:
    """labels.csv through the project's one reader (`aisac.evaluate.labels`), keyed by account."""
    table = read_label_table(path).to_pylist()
    return {r["account_id"]: Label(r["label"], r["persona"] or "", r["campaign"] or "") for r in table}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def evaluate(tallies: dict[str, AccountTally], labels: dict[str, Label]) -> dict:
    """Per campaign kind and per benign persona; accounts without a label are counted as unlabelled."""
    idx = {o: i for i, o in enumerate(OUTCOMES)}
    kinds: dict[str, dict] = {}
    campaigns: dict[tuple[str, str], list[int]] = {}
    personas: dict[str, dict] = {}
    benign_sizes = sorted(
        t.requests for a, t in tallies.items() if (lab := labels.get(a)) and lab.label == "benign"
    )
    heavy_min = (
        benign_sizes[min(len(benign_sizes) - 1, int(HEAVY_QUANTILE * len(benign_sizes)))]
        if benign_sizes
        else 0
    )
    unlabelled = 0
    for aid, t in tallies.items():
        lab = labels.get(aid)
        if lab is None:
            unlabelled += 1
            continue
        n = t.requests
        if lab.label == "distillation":
            k = kinds.setdefault(
                lab.persona,
                {
                    "accounts": 0,
                    "exchanges": 0,
                    "served_before_action": 0,
                    "served_in_full": 0,
                    "accounts_actioned": 0,
                },
            )
            k["accounts"] += 1
            k["exchanges"] += n
            k["served_before_action"] += t.served_before_action
            k["served_in_full"] += t.counts[idx["served"]] + t.counts[idx["monitored"]]
            k["accounts_actioned"] += t.first_action_us is not None
            c = campaigns.setdefault((lab.persona, lab.campaign or aid), [0, 0])
            c[0] += n
            c[1] += t.served_before_action
        else:
            p = personas.setdefault(
                lab.persona,
                {
                    "accounts": 0,
                    "requests": 0,
                    **dict.fromkeys(OUTCOMES, 0),
                    "accounts_actioned": 0,
                    "heavy_accounts": 0,
                    "heavy_suspended_or_revoked": 0,
                },
            )
            p["accounts"] += 1
            p["requests"] += n
            for o in OUTCOMES:
                p[o] += t.counts[idx[o]]
            p["accounts_actioned"] += t.first_action_us is not None
            if n >= heavy_min and n > 0:
                p["heavy_accounts"] += 1
                p["heavy_suspended_or_revoked"] += t.max_action >= Action.SUSPEND
    by_kind = {}
    for kind, k in sorted(kinds.items()):
        shares = [_share(b, n) for (kk, _), (n, b) in campaigns.items() if kk == kind]
        by_kind[kind] = {
            "campaigns": len(shares),
            "accounts": k["accounts"],
            "exchanges": k["exchanges"],
            "accounts_actioned": k["accounts_actioned"],
            "served_in_full_before_action": round(_share(k["served_before_action"], k["exchanges"]), 5),
            "worst_campaign_served_before_action": round(max(shares, default=0.0), 5),
            "served_in_full_overall": round(_share(k["served_in_full"], k["exchanges"]), 5),
        }
    by_persona = {}
    for persona, p in sorted(personas.items()):
        worse = p["degraded"] + p["challenged"] + p["blocked"]
        by_persona[persona] = {
            "accounts": p["accounts"],
            "requests": p["requests"],
            "accounts_actioned": p["accounts_actioned"],
            "throttled": round(_share(p["throttled"], p["requests"]), 5),
            "degraded": round(_share(p["degraded"], p["requests"]), 5),
            "challenged": round(_share(p["challenged"], p["requests"]), 5),
            "blocked": round(_share(p["blocked"], p["requests"]), 5),
            "degraded_or_worse": round(_share(worse, p["requests"]), 5),
            "heavy_accounts": p["heavy_accounts"],
            "heavy_suspended_or_revoked": p["heavy_suspended_or_revoked"],
        }
    benign_requests = sum(p["requests"] for p in personas.values())
    benign_worse = sum(p["degraded"] + p["challenged"] + p["blocked"] for p in personas.values())
    return {
        "campaign_kinds": by_kind,
        "benign_personas": by_persona,
        "overall": {
            "benign_degraded_or_worse": round(_share(benign_worse, benign_requests), 6),
            "worst_kind_served_before_action": max(
                (v["served_in_full_before_action"] for v in by_kind.values()), default=0.0
            ),
            "heavy_benign_min_requests": heavy_min,
            "heavy_benign_suspended_or_revoked": sum(
                p["heavy_suspended_or_revoked"] for p in personas.values()
            ),
            "unlabelled_accounts": unlabelled,
        },
    }
