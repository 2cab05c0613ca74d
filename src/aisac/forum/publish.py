"""What the working group publishes: intrusion sets for operators that crossed labs, and its bulletin.

Every object is created by the working group's identity (`aisac.hub.charter.WORKING_GROUP_ID`, which the hub
accepts only from a chair) and marked TLP:AMBER. The labs' own campaign objects are never touched: a cluster
becomes a new `intrusion-set` with `attributed-to` relationships from the campaigns, so each lab's opinion
stays visible beside the group's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aisac.contract.correlation import NAMESPACE
from aisac.contract.stix import TLP2_IDS, Tlp, marking_definition
from aisac.forum.correlate import Cluster
from aisac.forum.records import CampaignRecord
from aisac.hub.charter import WORKING_GROUP_ID, WORKING_GROUP_NAME

AMBER = TLP2_IDS[Tlp.AMBER]


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join((kind, *parts)))}"


def _common(now: str) -> dict[str, Any]:
    return {"spec_version": "2.1", "created": now, "modified": now, "created_by_ref": WORKING_GROUP_ID,
            "object_marking_refs": [AMBER]}


def identity(now: datetime, name: str = WORKING_GROUP_NAME) -> list[dict[str, Any]]:
    """The TLP:AMBER marking and the working group's identity (created by itself: the group's own object, which
    every chair may version, whoever chairs)."""
    stamp = _stamp(now)
    return [marking_definition(Tlp.AMBER),
            {"type": "identity", "spec_version": "2.1", "id": WORKING_GROUP_ID, "created": stamp, "modified": stamp,
             "created_by_ref": WORKING_GROUP_ID, "name": name, "identity_class": "group",
             "object_marking_refs": [AMBER]}]


def cross_lab(clusters: Sequence[Cluster]) -> list[Cluster]:
    return [c for c in clusters if len(c.labs) > 1]


def intrusion_sets(clusters: Sequence[Cluster], recs: Sequence[CampaignRecord], now: datetime | None = None,
                   name: str = WORKING_GROUP_NAME) -> list[dict[str, Any]]:
    """Objects to publish: one intrusion set per cross-lab cluster, attributed-to from each of its campaigns."""
    now = now or datetime.now(UTC)
    stamp = _stamp(now)
    by_id = {r.stix_id: r for r in recs}
    out = identity(now, name)
    for c in cross_lab(clusters):
        seen = [t for r in (by_id.get(x) for x in c.campaigns) if r for t in (r.first_seen, r.last_seen) if t]
        intrusion = {
            "type": "intrusion-set", "id": _id("intrusion-set", c.id), **_common(stamp),
            "name": f"Forum operator {c.id}",
            "description": f"Campaigns reported by {', '.join(c.labs)} judged to be one operator's: "
            + "; ".join(c.evidence),
            "confidence": c.confidence,
            "goals": ["Extract frontier model capabilities through public APIs (adversarial distillation)"],
            **({"first_seen": min(seen), "last_seen": max(seen)} if seen else {}),
        }
        out.append(intrusion)
        out += [{"type": "relationship", "id": _id("relationship", "attributed-to", x, intrusion["id"]),
                 **_common(stamp), "relationship_type": "attributed-to", "source_ref": x,
                 "target_ref": intrusion["id"], "confidence": c.confidence} for x in c.campaigns]
    return out


def bulletin(intrusions: Sequence[dict[str, Any]], incidents: Sequence[dict[str, Any]], since: datetime,
             until: datetime, now: datetime | None = None, name: str = WORKING_GROUP_NAME) -> list[dict[str, Any]]:
    """The group's internal bulletin for [since, until) as a STIX report citing intrusion sets and incidents."""
    now = now or datetime.now(UTC)
    stamp = _stamp(now)
    refs = sorted({o["id"] for o in intrusions} | {x for i in incidents for x in i.get("objects", [])})
    lines = [f"{o['name']} (confidence {o.get('confidence', 0)}): {o.get('description', '')}" for o in intrusions]
    lines += [f"incident {i['id']} {i['kind']} from {i['reporter']}: {i['title']} (confirmed {i['confirmed_at']})"
              for i in incidents]
    report = {
        "type": "report", "id": _id("report", _stamp(since), _stamp(until)), **_common(stamp),
        "name": f"Working group bulletin {since.date().isoformat()} to {until.date().isoformat()}",
        "description": f"{len(intrusions)} operators seen across labs, {len(incidents)} incidents.\n"
        + "\n".join(lines),
        "report_types": ["threat-report"],
        "published": stamp,
        "object_refs": refs or [WORKING_GROUP_ID],
    }
    return [*identity(now, name), report]
