"""Replay quality against labels: per campaign kind, the share of exchanges served in full before action;
per benign persona, the share of requests throttled, degraded, challenged or blocked; per account pathway,
how campaign and benign accounts of each programme were treated.

Labels are `labels.csv` and, beside it, `campaign_phases.csv` (both read through `aisac.contract.labels`),
which says from when each distillation account's traffic is the campaign's; only those exchanges count as
campaign exchanges (the whole-account figure is reported too). Heavy benign accounts are those of the
shared definition (`heavy_min_requests`).
"""

from __future__ import annotations

from pathlib import Path

from aisac.contract.labels import PHASES_FILE, Label, LabelError, heavy_min_requests, read_phases
from aisac.enforce.actions import OUTCOMES, Action
from aisac.enforce.replay import AccountTally

_IDX = {o: i for i, o in enumerate(OUTCOMES)}
#: Outcomes that change what the customer gets beyond pacing: the target is ≤ 0.1% of benign requests.
WORSE = ("degraded", "challenged", "blocked")


def phases_beside(labels_path: Path) -> Path | None:
    """The campaign_phases.csv written beside a simulated labels.csv, if there is one."""
    path = labels_path.parent / PHASES_FILE
    return path if path.is_file() else None


def read_campaign_phases(path: Path, labels: dict[str, Label]) -> dict[str, float]:
    """Account -> campaign start (POSIX seconds), checked against the labels: a phase for an account that
    is not labelled distillation in the same campaign is an error naming the file and the account."""
    phases = read_phases(path)
    for aid, (campaign, _) in phases.items():
        lab = labels.get(aid)
        if lab is None or lab.label != "distillation" or lab.campaign != campaign:
            got = "no label" if lab is None else f"label {lab.label}, campaign {lab.campaign or '(none)'}"
            raise LabelError(f"has a phase in campaign {campaign!r} but {got} in labels", file=path, obj=repr(aid))
    return {aid: start for aid, (_, start) in phases.items()}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _campaigns(tallies: dict[str, AccountTally], labels: dict[str, Label]) -> dict[tuple[str, str], list[int]]:
    """(kind, campaign) -> [campaign exchanges, served before action, account exchanges, served before action]."""
    out: dict[tuple[str, str], list[int]] = {}
    for aid, t in tallies.items():
        lab = labels.get(aid)
        if lab is not None and lab.label == "distillation":
            c = out.setdefault((lab.persona, lab.campaign or aid), [0, 0, 0, 0])
            c[0] += t.phase_requests
            c[1] += t.phase_served_before_action
            c[2] += t.requests
            c[3] += t.served_before_action
    return out


def _kinds(tallies: dict[str, AccountTally], labels: dict[str, Label]) -> dict[str, dict]:
    """Per campaign kind: campaign-phase exchanges served in full before the account's first action."""
    kinds: dict[str, dict] = {}
    for aid, t in tallies.items():
        lab = labels.get(aid)
        if lab is None or lab.label != "distillation":
            continue
        k = kinds.setdefault(lab.persona, {"accounts": 0, "actioned": 0, "full": 0})
        k["accounts"] += 1
        k["actioned"] += t.first_action_us is not None
        k["full"] += t.counts[_IDX["served"]] + t.counts[_IDX["monitored"]]
    campaigns = _campaigns(tallies, labels)
    by_kind = {}
    for kind, k in sorted(kinds.items()):
        mine = {name: c for (kk, name), c in campaigns.items() if kk == kind}
        n, before, whole, whole_before = (sum(c[i] for c in mine.values()) for i in range(4))
        worst = max(mine, key=lambda name: _share(mine[name][1], mine[name][0]))
        by_kind[kind] = {
            "campaigns": len(mine),
            "accounts": k["accounts"],
            "exchanges": n,
            "accounts_actioned": k["actioned"],
            "served_in_full_before_action": round(_share(before, n), 5),
            "worst_campaign": worst,
            "worst_campaign_served_before_action": round(_share(mine[worst][1], mine[worst][0]), 5),
            # Transparency: every request of the campaign's accounts, their life before the campaign included.
            "account_exchanges": whole,
            "served_in_full_before_action_whole_account": round(_share(whole_before, whole), 5),
            "served_in_full_overall": round(_share(k["full"], whole), 5),
        }
    return by_kind


def _personas(tallies: dict[str, AccountTally], labels: dict[str, Label]) -> tuple[dict[str, dict], int]:
    """Per benign persona: shares of requests acted on; heavy accounts suspended or revoked."""
    heavy_min = heavy_min_requests(
        [t.requests for a, t in tallies.items() if (lab := labels.get(a)) and lab.label == "benign"]
    )
    personas: dict[str, dict] = {}
    for aid, t in tallies.items():
        lab = labels.get(aid)
        if lab is None or lab.label != "benign":
            continue
        p = personas.setdefault(
            lab.persona,
            {"accounts": 0, "requests": 0, **dict.fromkeys(OUTCOMES, 0), "actioned": 0, "heavy": 0, "heavy_sr": 0},
        )
        n = t.requests
        p["accounts"] += 1
        p["requests"] += n
        for o in OUTCOMES:
            p[o] += t.counts[_IDX[o]]
        p["actioned"] += t.first_action_us is not None
        if n >= heavy_min and n > 0:
            p["heavy"] += 1
            p["heavy_sr"] += t.max_action >= Action.SUSPEND
    return {
        persona: {
            "accounts": p["accounts"],
            "requests": p["requests"],
            "accounts_actioned": p["actioned"],
            "throttled": round(_share(p["throttled"], p["requests"]), 5),
            "degraded": round(_share(p["degraded"], p["requests"]), 5),
            "challenged": round(_share(p["challenged"], p["requests"]), 5),
            "blocked": round(_share(p["blocked"], p["requests"]), 5),
            "degraded_or_worse": round(_share(sum(p[o] for o in WORSE), p["requests"]), 5),
            "heavy_accounts": p["heavy"],
            "heavy_suspended_or_revoked": p["heavy_sr"],
        }
        for persona, p in sorted(personas.items())
    }, heavy_min


def _worse(t: AccountTally) -> int:
    """An account's requests degraded, challenged or blocked."""
    return sum(t.counts[_IDX[o]] for o in WORSE)


def _pathways(tallies: dict[str, AccountTally], labels: dict[str, Label]) -> dict[str, dict]:
    """Per label and account pathway: how many accounts were challenged (re-verification) or stopped."""
    out: dict[str, dict] = {}
    for aid, t in tallies.items():
        lab = labels.get(aid)
        if lab is None:
            continue
        row = out.setdefault(
            f"{lab.label}/{t.pathway or '(none)'}",
            {
                "accounts": 0,
                "requests": 0,
                "accounts_actioned": 0,
                "accounts_challenged": 0,
                "accounts_suspended_or_revoked": 0,
                "worse": 0,
            },
        )
        row["accounts"] += 1
        row["requests"] += t.requests
        row["accounts_actioned"] += t.first_action_us is not None
        row["accounts_challenged"] += t.counts[_IDX["challenged"]] > 0
        row["accounts_suspended_or_revoked"] += t.max_action >= Action.SUSPEND
        row["worse"] += _worse(t)
    return {
        key: {
            **{k: v for k, v in row.items() if k != "worse"},
            "degraded_or_worse": round(_share(row["worse"], row["requests"]), 5),
        }
        for key, row in sorted(out.items())
    }


def evaluate(tallies: dict[str, AccountTally], labels: dict[str, Label]) -> dict:
    """Per campaign kind, per benign persona and per pathway; accounts without a label are counted apart."""
    by_kind = _kinds(tallies, labels)
    by_persona, heavy_min = _personas(tallies, labels)
    campaigns = _campaigns(tallies, labels)
    worst = max(campaigns, key=lambda k: _share(campaigns[k][1], campaigns[k][0]), default=None)
    benign = [t for a, t in tallies.items() if (lab := labels.get(a)) and lab.label == "benign"]
    benign_requests = sum(t.requests for t in benign)
    benign_worse = sum(_worse(t) for t in benign)
    return {
        "campaign_kinds": by_kind,
        "benign_personas": by_persona,
        "pathways": _pathways(tallies, labels),
        "overall": {
            "benign_degraded_or_worse": round(_share(benign_worse, benign_requests), 6),
            "worst_kind_served_before_action": max(
                (v["served_in_full_before_action"] for v in by_kind.values()), default=0.0
            ),
            "worst_campaign": None if worst is None else worst[1],
            "worst_campaign_served_before_action": 0.0
            if worst is None
            else round(_share(campaigns[worst][1], campaigns[worst][0]), 5),
            "heavy_benign_min_requests": heavy_min,
            "heavy_benign_suspended_or_revoked": sum(p["heavy_suspended_or_revoked"] for p in by_persona.values()),
            "unlabelled_accounts": sum(1 for a in tallies if a not in labels),
        },
    }
