"""Request plumbing shared by the hub's routes: authentication, content negotiation, the audit middleware."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import anyio
from fastapi import Request
from sqlalchemy import Connection, Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aisac.contract.stix import TAXII_MEDIA_TYPE
from aisac.hub import tlog
from aisac.hub.audit import record
from aisac.hub.errors import TaxiiError
from aisac.hub.members import AuthError, Member, authenticate

_CHALLENGE = {"WWW-Authenticate": 'Basic realm="aisac hub", Bearer'}


def _credentials(header: str) -> tuple[str | None, str]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return None, value.strip()
    if scheme.lower() == "basic":
        try:
            name, sep, key = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            name, sep, key = "", "", ""
        if sep:
            return name, key
    raise TaxiiError(
        401, "authentication required", "use HTTP Basic (member name, API key) or Bearer API key", _CHALLENGE
    )


def _authenticate(conn: Connection, request: Request) -> Member:
    name, key = _credentials(request.headers.get("authorization", ""))
    try:
        member = authenticate(conn, name, key)
    except AuthError as exc:
        raise TaxiiError(401, "authentication failed", str(exc), _CHALLENGE) from exc
    request.state.member = member.name
    charter = getattr(request.app.state, "charter", None)
    if charter is not None and member.role == "chair":
        refusal = charter.refusal(member.name, datetime.now(UTC).date())
        if refusal:  # chair rights lapse with the term: refused outright, fail closed
            raise TaxiiError(403, "chair term not active", refusal)
    return member


def member_of(request: Request) -> Member:
    """FastAPI dependency: the authenticated member (401 with a reason otherwise)."""
    with request.app.state.engine.connect() as conn:
        return _authenticate(conn, request)


@contextmanager
def read_session(request: Request) -> Iterator[tuple[Connection, Member]]:
    """Authenticate, read and audit on one connection in one worker thread: a GET costs one thread hop.

    The audit row is written after the read transaction ends (a SQLite read snapshot cannot always be
    upgraded to a write), before the answer leaves; errors are audited by the middleware instead. Reads
    the route put in `request.state.log_entries` become transparency-log leaves in that same write.
    """
    with request.app.state.engine.connect() as conn:
        member = _authenticate(conn, request)
        yield conn, member
        conn.commit()
        record(conn, member.name, "request", f"{request.method} {request.url.path}", 200)
        tlog.append(conn, getattr(request.state, "log_entries", []))
        conn.commit()
        request.state.audited = True


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond the hub's max_content_length (declared or streamed)."""
    limit = request.app.state.max_content_length
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TaxiiError(413, "envelope too large", f"{declared} bytes exceeds max_content_length {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TaxiiError(413, "envelope too large", f"body exceeds max_content_length {limit}")
    return bytes(body)


def _is_taxii(media: str) -> bool:
    kind, _, params = media.partition(";")
    version = [p.strip() for p in params.split(";") if p.strip().startswith("version=")]
    return kind.strip().lower() in ("application/taxii+json", "*/*", "application/*") and (
        not version or version[0] == "version=2.1"
    )


async def require_accept(request: Request) -> None:
    """FastAPI dependency: the client accepts TAXII 2.1 JSON (406 otherwise); a missing Accept is fine."""
    accept = request.headers.get("accept")
    if accept and not any(_is_taxii(m) for m in accept.split(",")):
        raise TaxiiError(
            406, "not acceptable", f"this hub answers {TAXII_MEDIA_TYPE}, not {accept!r}"
        )


def require_content_type(request: Request) -> None:
    """POST bodies must be TAXII 2.1 JSON envelopes (415 otherwise)."""
    media = request.headers.get("content-type", "")
    if not media.lower().startswith("application/taxii+json") or not _is_taxii(media):
        raise TaxiiError(
            415,
            "unsupported media type",
            f"send {TAXII_MEDIA_TYPE}, not {media or 'no Content-Type'!r}",
        )


class AuditMiddleware:
    """Appends one audit row per request (member, method and path, status) as it is answered."""

    def __init__(self, app: ASGIApp, engine: Engine):
        self.app, self.engine = app, engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = f"{scope['method']} {scope['path']}"
        started = False

        async def audited(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            if message["type"] == "http.response.start" and not scope.get("state", {}).get("audited"):
                member = scope.get("state", {}).get("member")
                await anyio.to_thread.run_sync(self._write, member, target, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, audited)
        finally:
            if not started:  # the app failed before answering
                await anyio.to_thread.run_sync(
                    self._write, scope.get("state", {}).get("member"), target, None
                )

    def _write(self, member: str | None, target: str, code: int | None) -> None:
        with self.engine.begin() as conn:
            record(conn, member, "request", target, code)
