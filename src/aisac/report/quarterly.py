"""The quarterly public report: what the forum saw in a quarter, pooled across labs and sanitised.

It is computed from what one member may read (`Inputs`, fetched over the hub's API as that member, or read
in-process for the analyst pages with the same TLP condition), so it can never say more than its author
could fetch over TAXII. The published figures are report.json's keys; the HTML and PDF render the same data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aisac.contract.stix import ACCOUNT_COUNT, ATLAS, ATLAS_URL
from aisac.hub.incidents import KINDS
from aisac.report.attribution import Attribution, attributions
from aisac.report.sanitise import SUPPRESSED, Cell, cell, publishable, quotable, scrub

NAMING_CONFIDENCE = 85
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter in UTC, e.g. 2026Q2 = [2026-04-01, 2026-07-01)."""

    label: str
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER.match(text)
        if not m:
            raise ValueError(f"quarter must look like 2026Q2, got {text!r}")
        year, q = int(m.group(1)), int(m.group(2))
        start = datetime(year, 3 * q - 2, 1, tzinfo=UTC)
        end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=UTC)
        return cls(text, start, end)

    def months(self) -> list[datetime]:
        return [datetime(self.start.year, self.start.month + i, 1, tzinfo=UTC) for i in range(3)]

    def rfc3339(self) -> tuple[str, str]:
        return (self.start.strftime("%Y-%m-%dT%H:%M:%SZ"), self.end.strftime("%Y-%m-%dT%H:%M:%SZ"))


@dataclass
class Inputs:
    """What the report's author may read: objects (newest visible versions), who submitted each, members'
    roles, the quarter's incident facts, its SLA figures per lab, and the clearances for naming actors."""

    objects: list[dict[str, Any]]
    submitters: dict[str, list[str]]
    members: dict[str, dict[str, Any]]
    incidents: list[dict[str, Any]]
    sla: list[dict[str, Any]]
    clearances: list[dict[str, Any]]

    def labs(self) -> set[str]:
        return {name for name, m in self.members.items() if m.get("role") == "lab"}


@dataclass
class Report:
    """The sanitised report: `summary` is report.json; the rest feeds the HTML."""

    quarter: Quarter
    summary: dict[str, Any]
    named: list[Attribution]
    techniques: list[tuple[str, str, Cell]]
    incident_kinds: list[tuple[str, Cell]]
    monthly: list[tuple[str, Cell, Cell]]
    sla: list[dict[str, Any]]
    quoted: list[dict[str, str]]
    withheld_actors: Cell
    incident_total: Cell
    charts: dict[str, str] = field(default_factory=dict)


def newest(objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One object per id: its newest version (collections may each hold a version of the same object)."""
    out: dict[str, dict[str, Any]] = {}
    for obj in objects:
        prior = out.get(obj["id"])
        if prior is None or str(obj.get("modified", "")) >= str(prior.get("modified", "")):
            out[obj["id"]] = obj
    return list(out.values())


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _active(obj: dict[str, Any], q: Quarter) -> bool:
    """A campaign observed in the quarter: first seen before its end, last seen (or first) after its start."""
    first = _time(obj.get("first_seen") or obj.get("created"))
    last = _time(obj.get("last_seen")) or first
    return first is not None and last is not None and first < q.end and last >= q.start


def _techniques(objects: list[dict[str, Any]], campaigns: set[str]) -> Counter[str]:
    """Campaigns per ATLAS technique, from `uses` relationships to attack patterns."""
    atlas: dict[str, str] = {}
    for o in objects:
        if o.get("type") == "attack-pattern":
            for ref in o.get("external_references") or []:
                if ref.get("source_name") == "mitre-atlas" and ref.get("external_id"):
                    atlas[o["id"]] = ref["external_id"]
    pairs = {
        (o["source_ref"], atlas[o["target_ref"]])
        for o in objects
        if o.get("type") == "relationship"
        and o.get("relationship_type") == "uses"
        and o.get("source_ref") in campaigns
        and o.get("target_ref") in atlas
    }
    return Counter(t for _, t in pairs)


def _sla(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per lab: obligations (filings and acknowledgements due) and the share met; a rate only over 5 or more."""
    out = []
    for r in rows:
        due = r["filed"] + r["acks_due"]
        met = r["filed_on_time"] + r["acked_on_time"]
        out.append({"lab": r["lab"], "obligations": cell(due), "compliance": round(met / due, 3) if due >= 5 else None})
    return out


def build(inputs: Inputs, quarter: Quarter) -> Report:
    """The report for `quarter` from what the author may read."""
    objects = [o for o in inputs.objects if publishable(o)]
    labs = inputs.labs()
    campaigns = [o for o in objects if o.get("type") == "campaign" and _active(o, quarter)]
    campaign_ids = {c["id"] for c in campaigns}
    accounts = sum(int(c.get(ACCOUNT_COUNT) or 0) for c in campaigns)
    incidents = [i for i in inputs.incidents if quarter.start <= _time(i["confirmed_at"]) < quarter.end]  # type: ignore[operator]
    contributing = sorted(
        ({m for c in campaign_ids for m in inputs.submitters.get(c, [])} | {i["reporter"] for i in incidents}) & labs
    )
    techniques = _techniques(objects, campaign_ids)
    kinds = Counter(i["kind"] for i in incidents)
    cleared = {c["intrusion_set"] for c in inputs.clearances}
    active_actors = [a for a in attributions(objects, inputs.submitters, labs) if set(a.campaigns) & campaign_ids]
    named = [a for a in active_actors if a.actor in cleared and (a.confidence or 0) >= NAMING_CONFIDENCE and a.labs]
    monthly = []
    for month in quarter.months():
        nxt = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
        month_q = Quarter(month.strftime("%b %Y"), month, nxt)
        active = sum(_active(c, month_q) for c in campaigns)
        confirmed = sum(month <= _time(i["confirmed_at"]) < nxt for i in incidents)  # type: ignore[operator]
        monthly.append((month.strftime("%B"), cell(active), cell(confirmed)))
    sla = _sla(inputs.sla)
    quoted = [
        {"type": o["type"], "name": scrub(str(o.get("name", ""))), "description": scrub(str(o.get("description", "")))}
        for o in objects
        if quotable(o) and _active({"created": o.get("published") or o.get("created")}, quarter)
    ]
    summary = {
        "quarter": quarter.label,
        "labs_contributing": contributing,
        "campaigns": cell(len(campaigns)),
        "accounts": cell(accounts),
        "techniques": {t: cell(n) for t, n in sorted(techniques.items())},
        "incidents": {k: cell(kinds.get(k, 0)) for k in KINDS},
        "actors_named": [a.name for a in named],
        "sla": {
            "window_hours": 48,
            "labs": {r["lab"]: {"obligations": r["obligations"], "compliance": r["compliance"]} for r in sla},
        },
    }
    return Report(
        quarter=quarter,
        summary=summary,
        named=named,
        techniques=[(t, ATLAS.get(t, (t, ""))[0], cell(n)) for t, n in techniques.most_common()],
        incident_kinds=[(k, cell(kinds.get(k, 0))) for k in KINDS],
        monthly=monthly,
        sla=sla,
        quoted=quoted,
        withheld_actors=cell(len(active_actors) - len(named)) if len(active_actors) > len(named) else 0,
        incident_total=cell(len(incidents)),
    )


def public_vocabulary(report: Report) -> set[str]:
    """Strings a report may print even though protected objects carry them too: ATLAS's public names,
    the labs' and members' names, incident kinds, and the names of actors cleared for naming."""
    words = {SUPPRESSED, "mitre-atlas", *KINDS, *(a.name for a in report.named)}
    for t, (name, description) in ATLAS.items():
        words |= {t, name, description, ATLAS_URL.format(t)}
    words |= set(report.summary["labs_contributing"]) | {r["lab"] for r in report.sla}
    words |= {lab for a in report.named for lab in a.labs}
    return words
