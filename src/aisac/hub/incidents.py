"""Incidents, the credibility gate and the 48-hour notification SLA.

Filing an incident at the hub is the notification: it is on time when filed within 48 hours of
`confirmed_at`. Every other lab acknowledges receipt within 48 hours of the filing (it cannot acknowledge
what was not filed yet); an incident is overdue once that has passed while some lab has not acknowledged
it (docs/hub.md). `confirmed_at` may lie at most MAX_CONFIRMED_AGE_US before filing.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from aisac.hub import tlog
from aisac.hub.access import visible
from aisac.hub.audit import record
from aisac.hub.members import Member
from aisac.hub.models import incident_acks, incident_objects, incidents, members, objects
from aisac.hub.timefmt import format_ts, now_us, parse_ts

KINDS = (
    "distillation-campaign",
    "intrusion",
    "insider-threat",
    "phishing-campaign",
    "weight-exfiltration",
    "supply-chain-compromise",
)
LOW_SIGNAL = ("generic-scanning", "unverified-tip")
SEVERITIES = ("low", "medium", "high", "critical")
MIN_CONFIDENCE = 60
SLA_US = 48 * 3600 * 1_000_000
MAX_CONFIRMED_AGE_US = 30 * 24 * 3600 * 1_000_000
FILERS = ("lab", "chair")


class Refused(ValueError):
    """The credibility gate refused a submission; the message is the reason."""


@dataclass(frozen=True)
class IncidentView:
    """An incident as reported: deadline, whether filing met it, acknowledgements and who still owes one."""

    id: str
    kind: str
    title: str
    reporter: str
    severity: str
    confidence: int
    confirmed_at: str
    filed_at: str
    deadline: str
    ack_deadline: str
    filed_on_time: bool
    acked_by: list[str]
    awaiting: list[str]
    overdue: bool
    objects: list[str]


def gate(conn: Connection, member: Member, body: dict[str, Any]) -> None:
    """Refuse low-signal or unsupported submissions, naming the field and the rule."""
    if member.role not in FILERS:
        raise Refused(f"role {member.role!r} may not file incidents (only {', '.join(FILERS)})")
    kind = body.get("kind")
    if kind in LOW_SIGNAL:
        raise Refused(f"kind {kind!r} is low-signal and kept out of the channel")
    if kind not in KINDS:
        raise Refused(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if body.get("severity") not in SEVERITIES[1:]:
        raise Refused(
            f"severity must be one of {', '.join(SEVERITIES[1:])} (low is kept out), "
            f"got {body.get('severity')!r}"
        )
    confidence = body.get("confidence")
    if not isinstance(confidence, int) or isinstance(confidence, bool) or not 0 <= confidence <= 100:
        raise Refused(f"confidence must be an integer 0-100, got {confidence!r}")
    if confidence < MIN_CONFIDENCE:
        raise Refused(f"confidence {confidence} is below the credibility threshold {MIN_CONFIDENCE}")
    try:
        confirmed = parse_ts(str(body.get("confirmed_at")))
    except ValueError as exc:
        raise Refused(f"confirmed_at: {exc}") from exc
    if confirmed > now_us():
        raise Refused("confirmed_at is in the future")
    if confirmed < now_us() - MAX_CONFIRMED_AGE_US:
        raise Refused(
            f"confirmed_at is more than {MAX_CONFIRMED_AGE_US // (24 * 3600 * 1_000_000)} days before filing; "
            "file older incidents with the date they were confirmed set no earlier than that"
        )
    linked = body.get("objects")
    if not isinstance(linked, list) or not linked or not all(isinstance(i, str) for i in linked):
        raise Refused("objects must list the ids of at least one STIX object already shared in the hub")
    found = set(
        conn.execute(
            select(objects.c.stix_id).where(objects.c.stix_id.in_(linked), visible(member))
        ).scalars()
    )
    missing = [i for i in linked if i not in found]
    if missing:
        raise Refused(f"linked objects not in the hub: {', '.join(missing[:5])}")


def file_incident(engine: Engine, member: Member, body: dict[str, Any]) -> IncidentView:
    """Record an incident after the gate; filing time decides whether the 48-hour SLA was met."""
    with engine.begin() as conn:
        gate(conn, member, body)
        confirmed, filed = parse_ts(body["confirmed_at"]), now_us()
        incident_id = str(uuid.uuid4())
        conn.execute(
            insert(incidents).values(
                id=incident_id,
                kind=body["kind"],
                title=str(body.get("title") or body["kind"])[:300],
                reporter_id=member.id,
                severity=body["severity"],
                confidence=body["confidence"],
                confirmed_at=confirmed,
                filed_at=filed,
                deadline=confirmed + SLA_US,
            )
        )
        conn.execute(
            insert(incident_objects),
            [{"incident_id": incident_id, "stix_id": i} for i in dict.fromkeys(body["objects"])],
        )
        record(conn, member.name, "incident.file", incident_id, detail=f"kind={body['kind']}")
        linked = ",".join(dict.fromkeys(body["objects"]))
        detail = f"kind={body['kind']} severity={body['severity']} objects={linked}"
        tlog.append(conn, [tlog.Entry("incident.file", incident_id, member.name, member.name, detail)])
        return views(conn, ids=[incident_id])[0]


def acknowledge(engine: Engine, member: Member, incident_id: str) -> IncidentView:
    """Record that a member received the notification (idempotent)."""
    with engine.begin() as conn:
        if conn.execute(select(incidents.c.id).where(incidents.c.id == incident_id)).first() is None:
            raise KeyError(incident_id)
        done = conn.execute(
            select(incident_acks.c.member_id).where(
                incident_acks.c.incident_id == incident_id, incident_acks.c.member_id == member.id
            )
        ).first()
        if done is None:
            conn.execute(
                insert(incident_acks).values(incident_id=incident_id, member_id=member.id, acked_at=now_us())
            )
            record(conn, member.name, "incident.ack", incident_id)
            reporter = conn.execute(
                select(members.c.name)
                .join(incidents, incidents.c.reporter_id == members.c.id)
                .where(incidents.c.id == incident_id)
            ).scalar()
            tlog.append(conn, [tlog.Entry("incident.ack", incident_id, member.name, reporter)])
        return views(conn, ids=[incident_id])[0]


def views(conn: Connection, ids: list[str] | None = None, now: int | None = None) -> list[IncidentView]:
    """All incidents (or the given ones) with SLA state as of `now`."""
    now = now_us() if now is None else now
    names = dict(conn.execute(select(members.c.id, members.c.name)).all())
    labs = {r.id for r in conn.execute(select(members.c.id).where(members.c.role == "lab"))}
    q = select(incidents).order_by(incidents.c.deadline)
    if ids is not None:
        q = q.where(incidents.c.id.in_(ids))
    rows = conn.execute(q).all()
    acks: dict[str, dict[int, int]] = {}
    for a in conn.execute(select(incident_acks)):
        acks.setdefault(a.incident_id, {})[a.member_id] = a.acked_at
    linked: dict[str, list[str]] = {}
    for o in conn.execute(select(incident_objects)):
        linked.setdefault(o.incident_id, []).append(o.stix_id)
    out = []
    for r in rows:
        got = acks.get(r.id, {})
        awaiting = sorted(names[m] for m in labs - {r.reporter_id} - set(got))
        out.append(
            IncidentView(
                r.id,
                r.kind,
                r.title,
                names[r.reporter_id],
                r.severity,
                r.confidence,
                format_ts(r.confirmed_at),
                format_ts(r.filed_at),
                format_ts(r.deadline),
                format_ts(r.filed_at + SLA_US),
                r.filed_at <= r.deadline,
                sorted(names[m] for m in got),
                awaiting,
                bool(awaiting) and now > r.filed_at + SLA_US,
                sorted(linked.get(r.id, [])),
            )
        )
    return out


def sla(
    conn: Connection, now: int | None = None, since: int | None = None, until: int | None = None
) -> list[dict[str, Any]]:
    """Per lab: incidents it filed within 48h of confirmation, and acknowledgements given within 48h of
    filing (a late filer cannot make the other labs late); of incidents confirmed in [since, until) when
    given: a quarter's figure."""
    now = now_us() if now is None else now
    q = select(incidents)
    if since is not None:
        q = q.where(incidents.c.confirmed_at >= since)
    if until is not None:
        q = q.where(incidents.c.confirmed_at < until)
    rows = conn.execute(q).all()
    acks = {(a.incident_id, a.member_id): a.acked_at for a in conn.execute(select(incident_acks))}
    out = []
    for lab in conn.execute(
        select(members.c.id, members.c.name).where(members.c.role == "lab").order_by(members.c.name)
    ):
        filed = [r for r in rows if r.reporter_id == lab.id]
        owed = [
            r
            for r in rows
            if r.reporter_id != lab.id and (now > r.filed_at + SLA_US or (r.id, lab.id) in acks)
        ]
        on_time = sum(r.filed_at <= r.deadline for r in filed)
        acked = sum(acks.get((r.id, lab.id), now + 1) <= r.filed_at + SLA_US for r in owed)
        out.append(
            {
                "lab": lab.name,
                "filed": len(filed),
                "filed_on_time": on_time,
                "acks_due": len(owed),
                "acked_on_time": acked,
                "compliance": (on_time + acked) / (len(filed) + len(owed)) if filed or owed else 1.0,
            }
        )
    return out


def as_dict(view: IncidentView) -> dict[str, Any]:
    """JSON form of an incident view (all linked objects: for the operator's command line)."""
    return asdict(view)


def for_member(engine: Engine, member: Member, views_: list[IncidentView]) -> list[dict[str, Any]]:
    """JSON form for one member: linked objects it may not see are left out, so TLP does not leak by id."""
    linked = {i for v in views_ for i in v.objects}
    with engine.connect() as conn:
        seen = (
            set(
                conn.execute(
                    select(objects.c.stix_id).where(objects.c.stix_id.in_(linked), visible(member))
                ).scalars()
            )
            if linked
            else set()
        )
    return [asdict(v) | {"objects": [i for i in v.objects if i in seen]} for v in views_]
