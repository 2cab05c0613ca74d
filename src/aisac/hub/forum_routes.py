"""HTTP routes the working group's tools use (outside the TAXII API root; plain JSON).

`/aisac/whoami` tells a client its member name and role; `/aisac/submitters/{collection}` says which member
submitted each object the caller may read, so the group attributes each campaign to the lab that reported
it (the hub knows the submitter for certain; a STIX identity is only what the object claims).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from aisac.hub.access import collection_for, visible
from aisac.hub.errors import TaxiiError
from aisac.hub.http import member_of
from aisac.hub.members import Member
from aisac.hub.models import members, objects

router = APIRouter(prefix="/aisac")
Auth = Annotated[Member, Depends(member_of)]


@router.get("/whoami")
def whoami(member: Auth) -> JSONResponse:
    return JSONResponse({"name": member.name, "role": member.role})


@router.get("/submitters/{collection_id}")
def submitters(request: Request, member: Auth, collection_id: str, type: str | None = None) -> JSONResponse:
    with request.app.state.engine.connect() as conn:
        access = collection_for(conn, member, collection_id)
        if access is None or not access.can_read:
            raise TaxiiError(404, "unknown collection", f"no collection {collection_id!r} for {member.name!r}")
        q = (
            select(objects.c.stix_id, members.c.name)
            .join(members, members.c.id == objects.c.submitter_id)
            .where(objects.c.collection_id == collection_id, visible(member))
            .distinct()
        )
        if type:
            q = q.where(objects.c.type.in_([t.strip() for t in type.split(",") if t.strip()]))
        rows = conn.execute(q).all()
    found: dict[str, list[str]] = {}
    for stix_id, name in rows:
        found.setdefault(stix_id, []).append(name)
    return JSONResponse({"submitters": {k: sorted(v) for k, v in found.items()}})
