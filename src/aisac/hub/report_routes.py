"""HTTP routes the forum's reports read and write through (plain JSON, outside the TAXII API root)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse

from aisac.hub import reporting
from aisac.hub.errors import TaxiiError
from aisac.hub.http import member_of
from aisac.hub.members import Member
from aisac.hub.timefmt import parse_ts

router = APIRouter(prefix="/aisac")
Auth = Annotated[Member, Depends(member_of)]
JsonBody = Annotated[dict[str, Any], Body()]
T = TypeVar("T")
MAX_IDS = 1000


def _answer(call: Callable[[], T]) -> T:
    """Run a reporting call, turning its refusals into TAXII errors (403 role, 422 bad or invisible input)."""
    try:
        return call()
    except reporting.Forbidden as exc:
        raise TaxiiError(403, "forbidden", str(exc)) from exc
    except reporting.Invalid as exc:
        raise TaxiiError(422, "refused", str(exc)) from exc


@router.get("/me")
def me(member: Auth) -> JSONResponse:
    return JSONResponse({"name": member.name, "role": member.role})


@router.post("/report/clearances")
def clear(request: Request, member: Auth, body: JsonBody) -> JSONResponse:
    stix_id, reason = body.get("intrusion_set"), body.get("reason")
    if not isinstance(stix_id, str) or not isinstance(reason, str):
        raise TaxiiError(422, "refused", "send {intrusion_set: id, reason: text}")
    engine = request.app.state.engine
    return JSONResponse(_answer(lambda: reporting.clear(engine, member, stix_id, reason)), status_code=201)


@router.get("/report/clearances")
def list_clearances(request: Request, member: Auth) -> JSONResponse:
    with request.app.state.engine.connect() as conn:
        return JSONResponse({"clearances": _answer(lambda: reporting.clearances(conn, member))})


@router.post("/report/deliveries")
def deliver(request: Request, member: Auth, body: JsonBody) -> JSONResponse:
    engine = request.app.state.engine
    return JSONResponse(_answer(lambda: reporting.deliver(engine, member, body)), status_code=201)


@router.get("/report/deliveries")
def list_deliveries(request: Request, member: Auth) -> JSONResponse:
    with request.app.state.engine.connect() as conn:
        return JSONResponse({"deliveries": _answer(lambda: reporting.deliveries(conn, member))})


@router.put("/consent")
def consent(request: Request, member: Auth, body: JsonBody) -> JSONResponse:
    government = body.get("government")
    if not isinstance(government, bool):
        raise TaxiiError(422, "refused", "government: expected true or false")
    _answer(lambda: reporting.set_consent(request.app.state.engine, member, government))
    return JSONResponse({"member": member.name, "government": government})


@router.post("/report/sources")
def sources(request: Request, member: Auth, body: JsonBody) -> JSONResponse:
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > MAX_IDS:
        raise TaxiiError(422, "refused", f"ids: expected a list of at most {MAX_IDS} STIX ids")
    with request.app.state.engine.connect() as conn:
        return JSONResponse(reporting.sources(conn, member, ids))


@router.get("/report/incidents")
def incident_facts(request: Request, member: Auth, since: str, until: str) -> JSONResponse:
    try:
        start, end = parse_ts(since), parse_ts(until)
    except ValueError as exc:
        raise TaxiiError(400, "invalid filter", str(exc)) from exc
    with request.app.state.engine.connect() as conn:
        facts = _answer(lambda: reporting.incident_facts(conn, member, start, end))
    return JSONResponse({"incidents": facts})
