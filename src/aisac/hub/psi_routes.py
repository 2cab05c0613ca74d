"""HTTP routes of the PSI relay (plain JSON for sessions, application/octet-stream for messages)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response

from aisac.hub import psi_relay
from aisac.hub.errors import TaxiiError
from aisac.hub.http import member_of, read_body
from aisac.hub.members import Member

router = APIRouter(prefix="/aisac/psi")
Auth = Annotated[Member, Depends(member_of)]


def _refused(exc: psi_relay.RelayError) -> TaxiiError:
    return TaxiiError(exc.status, exc.title, exc.reason)


@router.post("/sessions")
def open_session(request: Request, member: Auth, body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
    """Open a session with a lab, or join the one it opened: {"with", "kind", "key", "ttl"?}."""
    try:
        key = base64.b64decode(str(body.get("key", "")), validate=True)
    except binascii.Error as exc:
        raise TaxiiError(422, "invalid key", "key must be base64") from exc
    ttl = body.get("ttl", psi_relay.DEFAULT_TTL_S)
    if not isinstance(ttl, int) or isinstance(ttl, bool):
        raise TaxiiError(422, "invalid ttl", f"ttl must be an integer number of seconds, got {ttl!r}")
    try:
        s = psi_relay.open_session(
            request.app.state.engine, member, str(body.get("with", "")), str(body.get("kind", "")), key, ttl
        )
    except psi_relay.RelayError as exc:
        raise _refused(exc) from exc
    return JSONResponse(s.json(), status_code=201)


@router.get("/sessions/{session_id}")
def get_session(request: Request, member: Auth, session_id: str) -> JSONResponse:
    """The session as this party sees it (the peer's key appears once it joined)."""
    try:
        with request.app.state.engine.connect() as conn:
            return JSONResponse(psi_relay.session(conn, member, session_id).json())
    except psi_relay.RelayError as exc:
        raise _refused(exc) from exc


@router.put("/sessions/{session_id}/messages/{name}")
async def put_message(request: Request, member: Auth, session_id: str, name: str) -> Response:
    """Post one opaque message for the peer."""
    body = await read_body(request)
    try:
        await anyio.to_thread.run_sync(psi_relay.post, request.app.state.engine, member, session_id, name, body)
    except psi_relay.RelayError as exc:
        raise _refused(exc) from exc
    return Response(status_code=201)


@router.get("/sessions/{session_id}/messages/{name}")
def get_message(request: Request, member: Auth, session_id: str, name: str) -> Response:
    """The peer's message (handed over once), or 204 while it has not arrived."""
    try:
        found = psi_relay.fetch(request.app.state.engine, member, session_id, name)
    except psi_relay.RelayError as exc:
        raise _refused(exc) from exc
    if found is None:
        return Response(status_code=204)
    return Response(found, media_type="application/octet-stream")
