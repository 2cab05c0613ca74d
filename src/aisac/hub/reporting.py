"""What the forum's reports need from the hub, decided by the same TLP condition as TAXII (access.visible).

Clearances (a liaison allows an intrusion set to be named in public), delivery records (what was published
or sent to the agencies, with its SHA-256 and the attributions it made), labs' consent to government sharing,
who submitted the objects a member can see, and the incident facts a public report aggregates.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select

from aisac.hub import tlog
from aisac.hub.access import visible
from aisac.hub.audit import record
from aisac.hub.members import Member
from aisac.hub.models import (
    incidents,
    member_consent,
    members,
    objects,
    report_clearances,
    report_deliveries,
)
from aisac.hub.timefmt import format_ts, now_us

REPORTERS = ("chair", "liaison")  # may write and read the forum's public report
LIAISONS = ("liaison",)  # the single point of contact: clears names, exports to agencies
DELIVERY_KINDS = {"quarterly": REPORTERS, "agency": LIAISONS}
INCIDENT_READERS = ("lab", "chair", "liaison")


class Forbidden(PermissionError):
    """The member's role may not do this; the message says which roles may."""


class Invalid(ValueError):
    """The request names something the member cannot see or sends a malformed field."""


def require(member: Member, roles: tuple[str, ...], what: str) -> None:
    """Fail closed unless the member's role is one of `roles`."""
    if member.role not in roles:
        raise Forbidden(f"role {member.role!r} may not {what} (only {', '.join(roles)})")


def _visible_ids(conn: Connection, member: Member, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    return set(conn.execute(select(objects.c.stix_id).where(objects.c.stix_id.in_(ids), visible(member))).scalars())


def clear(engine: Engine, member: Member, stix_id: str, reason: str) -> dict[str, Any]:
    """Record that a liaison cleared an intrusion set for public naming (and audit it in the same commit)."""
    require(member, LIAISONS, "clear an actor for public naming")
    if not reason.strip():
        raise Invalid("reason: a clearance must say why the actor may be named")
    if not stix_id.startswith("intrusion-set--"):
        raise Invalid(f"{stix_id!r}: only intrusion sets are cleared for naming")
    with engine.begin() as conn:
        if not _visible_ids(conn, member, {stix_id}):
            raise Invalid(f"no intrusion set {stix_id!r} visible to {member.name!r}")
        at = now_us()
        conn.execute(
            insert(report_clearances).values(stix_id=stix_id, member_id=member.id, reason=reason, cleared_at=at)
        )
        record(conn, member.name, "report.clear", stix_id, detail=reason[:500])
        tlog.append(conn, [tlog.Entry("report.clear", stix_id, member.name, member.name, reason)])
    return {"intrusion_set": stix_id, "cleared_by": member.name, "reason": reason, "cleared_at": format_ts(at)}


def clearances(conn: Connection, member: Member) -> list[dict[str, Any]]:
    """Clearances of intrusion sets the member may see (others are not revealed, not even by their count)."""
    require(member, REPORTERS, "read clearances")
    rows = conn.execute(
        select(report_clearances, members.c.name)
        .join(members, members.c.id == report_clearances.c.member_id)
        .order_by(report_clearances.c.cleared_at)
    ).all()
    seen = _visible_ids(conn, member, {r.stix_id for r in rows})
    return [
        {"intrusion_set": r.stix_id, "cleared_by": r.name, "reason": r.reason, "cleared_at": format_ts(r.cleared_at)}
        for r in rows
        if r.stix_id in seen
    ]


def _attributions(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid("attributions: expected a list of {actor, name, confidence, campaigns}")
    out = []
    for i, a in enumerate(value):
        ok = (
            isinstance(a, dict)
            and isinstance(a.get("actor"), str)
            and isinstance(a.get("name"), str)
            and (a.get("confidence") is None or isinstance(a.get("confidence"), int))
            and isinstance(a.get("campaigns"), list)
            and all(isinstance(c, str) for c in a["campaigns"])
        )
        if not ok:
            raise Invalid(f"attributions[{i}]: needs actor, name (strings), confidence (integer), campaigns (ids)")
        out.append({k: a[k] for k in ("actor", "name", "confidence")} | {"campaigns": sorted(a["campaigns"])})
    return out


def deliver(engine: Engine, member: Member, body: dict[str, Any]) -> dict[str, Any]:
    """Record a delivery (public report or agency export) with the SHA-256 of what was sent."""
    kind = body.get("kind")
    if kind not in DELIVERY_KINDS:
        raise Invalid(f"kind must be one of {', '.join(DELIVERY_KINDS)}, got {kind!r}")
    require(member, DELIVERY_KINDS[kind], f"record a {kind} delivery")
    digest, label = body.get("sha256"), body.get("label")
    if not isinstance(digest, str) or len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise Invalid("sha256: expected 64 lowercase hex digits")
    if not isinstance(label, str) or not 0 < len(label) <= 100:
        raise Invalid("label: expected a non-empty string of at most 100 characters")
    attributions = _attributions(body.get("attributions", []))
    delivery_id, at = str(uuid.uuid4()), now_us()
    with engine.begin() as conn:
        conn.execute(
            insert(report_deliveries).values(
                id=delivery_id,
                kind=kind,
                label=label,
                member_id=member.id,
                delivered_at=at,
                sha256=digest,
                attributions=json.dumps(attributions),
            )
        )
        record(conn, member.name, f"report.{kind}", label, detail=f"sha256={digest} id={delivery_id}")
        detail = f"label={label} sha256={digest} id={delivery_id}"
        tlog.append(conn, [tlog.Entry(f"report.{kind}", label, member.name, member.name, detail)])
    return {
        "id": delivery_id,
        "kind": kind,
        "label": label,
        "by": member.name,
        "delivered_at": format_ts(at),
        "sha256": digest,
        "attributions": attributions,
    }


def deliveries(conn: Connection, member: Member) -> list[dict[str, Any]]:
    """Earlier deliveries, oldest first; attributions to actors the member cannot see are left out."""
    require(member, REPORTERS, "read the forum's deliveries")
    rows = conn.execute(
        select(report_deliveries, members.c.name)
        .join(members, members.c.id == report_deliveries.c.member_id)
        .order_by(report_deliveries.c.delivered_at)
    ).all()
    parsed = [(r, json.loads(r.attributions)) for r in rows]
    seen = _visible_ids(conn, member, {a["actor"] for _, atts in parsed for a in atts})
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "label": r.label,
            "by": r.name,
            "delivered_at": format_ts(r.delivered_at),
            "sha256": r.sha256,
            "attributions": [a for a in atts if a["actor"] in seen],
        }
        for r, atts in parsed
    ]


def set_consent(engine: Engine, member: Member, government: bool) -> None:
    """A lab says whether the objects it submits may go to government agencies (absent: no)."""
    require(member, ("lab",), "consent to government sharing")
    with engine.begin() as conn:
        conn.execute(delete(member_consent).where(member_consent.c.member_id == member.id))
        conn.execute(insert(member_consent).values(member_id=member.id, government=government, updated_at=now_us()))
        record(conn, member.name, "consent.government", member.name, detail=f"government={government}")
        entry = tlog.Entry("consent.government", member.name, member.name, member.name, f"government={government}")
        tlog.append(conn, [entry])


def sources(conn: Connection, member: Member, ids: list[str]) -> dict[str, Any]:
    """For each id the member can see: the members that submitted a visible version, and whether each
    consented to government sharing (the same facts the provenance endpoint gives, many at once)."""
    rows = conn.execute(
        select(objects.c.stix_id, members.c.name, members.c.role, member_consent.c.government)
        .join(members, members.c.id == objects.c.submitter_id)
        .outerjoin(member_consent, member_consent.c.member_id == members.c.id)
        .where(objects.c.stix_id.in_(ids), visible(member))
    ).all()
    by_id: dict[str, set[str]] = {}
    who: dict[str, dict[str, Any]] = {}
    for r in rows:
        by_id.setdefault(r.stix_id, set()).add(r.name)
        who[r.name] = {"role": r.role, "government": bool(r.government)}
    return {"objects": {k: sorted(v) for k, v in by_id.items()}, "members": who}


def incident_facts(conn: Connection, member: Member, since: int, until: int) -> list[dict[str, Any]]:
    """Kind, confirmation time and reporting lab of incidents confirmed in [since, until): no titles, no links."""
    require(member, INCIDENT_READERS, "read incident figures")
    rows = conn.execute(
        select(incidents.c.kind, incidents.c.confirmed_at, members.c.name)
        .join(members, members.c.id == incidents.c.reporter_id)
        .where(and_(incidents.c.confirmed_at >= since, incidents.c.confirmed_at < until))
        .order_by(incidents.c.confirmed_at)
    ).all()
    return [{"kind": r.kind, "confirmed_at": format_ts(r.confirmed_at), "reporter": r.name} for r in rows]
