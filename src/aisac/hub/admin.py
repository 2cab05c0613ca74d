"""Administrative changes made from the command line: collections and per-member grants."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, delete, insert, select

from aisac.hub import tlog
from aisac.hub.audit import record
from aisac.hub.members import ROLES
from aisac.hub.models import collections, grants, members
from aisac.hub.timefmt import now_us


def add_collection(
    engine: Engine,
    title: str,
    description: str = "",
    read_roles: tuple[str, ...] = (),
    write_roles: tuple[str, ...] = (),
) -> str:
    """Create a collection; roles listed get read/write on it, others need a grant."""
    bad = [r for r in (*read_roles, *write_roles) if r not in ROLES]
    if bad:
        raise ValueError(f"unknown role(s) {', '.join(bad)}; roles are {', '.join(ROLES)}")
    collection_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(collections).values(
                id=collection_id,
                title=title,
                description=description,
                read_roles=",".join(read_roles),
                write_roles=",".join(write_roles),
                created_at=now_us(),
            )
        )
        record(conn, None, "collection.add", collection_id, detail=title)
        roles = f"title={title} read={','.join(read_roles)} write={','.join(write_roles)}"
        tlog.append(conn, [tlog.Entry("collection.add", collection_id, detail=roles)])
    return collection_id


def grant(engine: Engine, member: str, collection_id: str, can_read: bool, can_write: bool) -> None:
    """Give one member read and/or write on one collection, on top of what its role gives."""
    with engine.begin() as conn:
        member_id = conn.execute(select(members.c.id).where(members.c.name == member)).scalar()
        if member_id is None:
            raise ValueError(f"no member named {member!r}")
        if conn.execute(select(collections.c.id).where(collections.c.id == collection_id)).first() is None:
            raise ValueError(f"no collection {collection_id!r}")
        conn.execute(
            delete(grants).where(grants.c.member_id == member_id, grants.c.collection_id == collection_id)
        )
        conn.execute(
            insert(grants).values(
                collection_id=collection_id, member_id=member_id, can_read=can_read, can_write=can_write
            )
        )
        detail = f"{member} read={can_read} write={can_write}"
        record(conn, None, "collection.grant", collection_id, detail=detail)
        tlog.append(conn, [tlog.Entry("collection.grant", collection_id, None, member, detail)])


def revoke_grant(engine: Engine, member: str, collection_id: str) -> None:
    """Take back a member's per-member grant on a collection (what its role gives stays)."""
    with engine.begin() as conn:
        member_id = conn.execute(select(members.c.id).where(members.c.name == member)).scalar()
        if member_id is None:
            raise ValueError(f"no member named {member!r}")
        gone = conn.execute(
            delete(grants).where(grants.c.member_id == member_id, grants.c.collection_id == collection_id)
        ).rowcount
        if not gone:
            raise ValueError(f"{member!r} has no grant on collection {collection_id!r}")
        record(conn, None, "collection.revoke", collection_id, detail=member)
        tlog.append(conn, [tlog.Entry("collection.revoke", collection_id, None, member, "grant revoked")])
