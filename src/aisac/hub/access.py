"""Who may read or write what: collection grants by role or per member, and the TLP rule as SQL.

TLP rule (docs/hub.md): a member reads an object when the object's level is within its role's ceiling, or
the member submitted it, or the submitter named the member as a recipient. Ceilings: lab and chair up to
AMBER, liaison GREEN, observer CLEAR. AMBER+STRICT and RED are never read on role alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, exists, or_, select

from aisac.contract.stix import Tlp
from aisac.hub.members import Member
from aisac.hub.models import collections, grants, objects, recipients

CEILING: dict[str, Tlp] = {"lab": Tlp.AMBER, "chair": Tlp.AMBER, "liaison": Tlp.GREEN, "observer": Tlp.CLEAR}


@dataclass(frozen=True)
class CollectionAccess:
    """A member's rights on one collection."""

    id: str
    title: str
    description: str
    can_read: bool
    can_write: bool


def visible(member: Member, table=objects) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """SQL condition: the member may know that this object (version) exists."""
    named = exists().where(
        and_(recipients.c.object_pk == table.c.pk, recipients.c.member_name == member.name)
    )
    return or_(table.c.tlp <= int(CEILING[member.role]), table.c.submitter_id == member.id, named)


def collections_for(conn: Connection, member: Member) -> list[CollectionAccess]:
    """Collections the member may read or write (others are not revealed)."""
    rows = conn.execute(
        select(collections, grants.c.can_read, grants.c.can_write)
        .outerjoin(grants, and_(grants.c.collection_id == collections.c.id, grants.c.member_id == member.id))
        .order_by(collections.c.created_at)
    ).all()
    out = []
    for r in rows:
        read = bool(r.can_read) or member.role in r.read_roles.split(",")
        write = bool(r.can_write) or member.role in r.write_roles.split(",")
        if read or write:
            out.append(CollectionAccess(r.id, r.title, r.description, read, write))
    return out


def collection_for(conn: Connection, member: Member, collection_id: str) -> CollectionAccess | None:
    """The member's rights on one collection, or None when it does not exist for them."""
    return next((c for c in collections_for(conn, member) if c.id == collection_id), None)
