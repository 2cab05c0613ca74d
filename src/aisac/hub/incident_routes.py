"""HTTP routes for incidents (outside the TAXII API root; plain JSON)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from aisac.hub import incidents
from aisac.hub.errors import TaxiiError
from aisac.hub.http import collection_access, json_body, member_of
from aisac.hub.members import Member
from aisac.hub.store import provenance
from aisac.hub.timefmt import parse_ts

router = APIRouter(prefix="/aisac")
Auth = Annotated[Member, Depends(member_of)]


@router.post("/incidents/")
async def file_incident(request: Request, member: Auth) -> JSONResponse:
    """The body is read only after the member authenticated (and never beyond the size limit)."""
    body = json_body(await request.body())
    if not isinstance(body, dict):
        raise TaxiiError(400, "malformed incident", "expected a JSON object")
    engine = request.app.state.engine

    def file() -> dict[str, Any]:
        try:
            view = incidents.file_incident(engine, member, body)
        except incidents.Refused as exc:
            raise TaxiiError(422, "incident refused", str(exc)) from exc
        return incidents.for_member(engine, member, [view])[0]

    return JSONResponse(await anyio.to_thread.run_sync(file), status_code=201)


@router.get("/incidents/")
def list_incidents(request: Request, member: Auth, overdue: bool = False) -> JSONResponse:
    if member.role not in ("lab", "chair"):
        raise TaxiiError(403, "forbidden", f"role {member.role!r} may not read incidents")
    with request.app.state.engine.connect() as conn:
        found = [v for v in incidents.views(conn) if v.overdue or not overdue]
    return JSONResponse({"incidents": incidents.for_member(request.app.state.engine, member, found)})


@router.post("/incidents/{incident_id}/ack")
def ack(request: Request, member: Auth, incident_id: str) -> JSONResponse:
    if member.role not in ("lab", "chair"):
        raise TaxiiError(403, "forbidden", f"role {member.role!r} may not acknowledge incidents")
    try:
        view = incidents.acknowledge(request.app.state.engine, member, incident_id)
    except KeyError as exc:
        raise TaxiiError(404, "unknown incident", f"no incident {incident_id!r}") from exc
    return JSONResponse(incidents.for_member(request.app.state.engine, member, [view])[0])


@router.get("/sla")
def sla(request: Request, member: Auth, since: str | None = None, until: str | None = None) -> JSONResponse:
    """Labs' compliance is for the labs and chairs that run the channel, not for observers or liaisons."""
    if member.role not in ("lab", "chair"):
        raise TaxiiError(403, "forbidden", f"role {member.role!r} may not read SLA compliance")
    try:
        start, end = (parse_ts(since) if since else None), (parse_ts(until) if until else None)
    except ValueError as exc:
        raise TaxiiError(400, "invalid filter", str(exc)) from exc
    with request.app.state.engine.connect() as conn:
        return JSONResponse({"labs": incidents.sla(conn, since=start, until=end)})


@router.get("/provenance/{collection_id}/{object_id}")
def get_provenance(request: Request, member: Auth, collection_id: str, object_id: str) -> JSONResponse:
    with request.app.state.engine.connect() as conn:
        collection_access(conn, member, collection_id)
        proofs = provenance(conn, member, collection_id, object_id)
    if not proofs:
        raise TaxiiError(404, "unknown object", f"no object {object_id!r} in collection {collection_id!r}")
    return JSONResponse({"id": object_id, "versions": proofs})


@router.get("/metrics")
def metrics(request: Request, member: Auth) -> JSONResponse:
    """Counters kept outside the audit trail (chairs only): unauthenticated requests by answer status."""
    if member.role != "chair":
        raise TaxiiError(403, "forbidden", f"role {member.role!r} may not read metrics")
    return JSONResponse({"unauthenticated_requests": dict(request.app.state.unauthenticated_counts)})
