"""What a page may show a member: the objects TAXII would give it (store.query, i.e. access.visible), and
the report inputs read in-process under the same condition. No page reads the objects table any other way."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import Connection

from aisac.hub import incidents, reporting
from aisac.hub.access import collections_for
from aisac.hub.members import Member
from aisac.hub.models import objects
from aisac.hub.store import Filters, query
from aisac.report.quarterly import Inputs, Quarter, newest

SEARCHED = ("name", "description", "pattern")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def visible_objects(
    conn: Connection, member: Member, types: list[str] | None = None, containing: str | None = None
) -> list[dict[str, Any]]:
    """Newest visible version of each object in the collections the member may read (optionally only those
    whose stored JSON contains `containing`, case-insensitively)."""
    found: list[dict[str, Any]] = []
    for c in collections_for(conn, member):
        if not c.can_read:
            continue
        q = query(member, c.id, Filters(types=types or []), [objects.c.body])
        if containing:
            q = q.where(objects.c.body.ilike(_like(containing), escape="\\"))
        found += [json.loads(r.body) for r in conn.execute(q)]
    return newest(found)


def search(conn: Connection, member: Member, text: str) -> list[dict[str, Any]]:
    """Visible objects whose name, description or pattern contains `text` (case-insensitive)."""
    needle = text.lower()
    hits = visible_objects(conn, member, containing=text)
    return [o for o in hits if any(needle in str(o.get(f, "")).lower() for f in SEARCHED)]


def one(conn: Connection, member: Member, stix_id: str) -> dict[str, Any] | None:
    """The newest visible version of one object, or None (as TAXII answers 404)."""
    hits = [o for o in visible_objects(conn, member, containing=stix_id) if o["id"] == stix_id]
    return hits[0] if hits else None


def relationships(conn: Connection, member: Member, stix_id: str) -> list[dict[str, Any]]:
    """Visible relationships and sightings from or to an object."""
    rels = visible_objects(conn, member, types=["relationship", "sighting"], containing=stix_id)
    return [r for r in rels if stix_id in (r.get("source_ref"), r.get("target_ref"), r.get("sighting_of_ref"))]


def type_counts(conn: Connection, member: Member) -> Counter[str]:
    """How many objects of each type the member can see."""
    return Counter(o["type"] for o in visible_objects(conn, member))


def report_inputs(conn: Connection, member: Member, quarter: Quarter) -> Inputs:
    """The quarterly report's inputs as `member` may read them (the same facts `aisac report` fetches)."""
    objs = visible_objects(conn, member)
    got = reporting.sources(conn, member, [o["id"] for o in objs])
    since, until = (int(t.timestamp() * 1_000_000) for t in (quarter.start, quarter.end))
    sla = incidents.sla(conn, since=since, until=until)
    members = got["members"] | {
        r["lab"]: {"role": "lab", "government": False} for r in sla if r["lab"] not in got["members"]
    }
    return Inputs(
        objs,
        got["objects"],
        members,
        reporting.incident_facts(conn, member, since, until),
        sla,
        reporting.clearances(conn, member),
    )
