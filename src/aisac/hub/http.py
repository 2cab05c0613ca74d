"""Request plumbing shared by the hub's routes: authentication, content negotiation, the audit middleware.

Requests that never authenticate are not written to the permanent audit trail (anyone could grow it
without bound): they are counted per answer status (`/aisac/metrics`), and each source address may fail
authentication at most `unauthenticated_per_minute` times a minute before it is answered 429.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
from fastapi import Request
from sqlalchemy import Connection, Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aisac.contract.stix import TAXII_MEDIA_TYPE
from aisac.hub import tlog
from aisac.hub.access import CollectionAccess, collection_for
from aisac.hub.audit import record
from aisac.hub.errors import TaxiiError
from aisac.hub.members import AuthError, Member, authenticate

T = TypeVar("T")
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


def _failed(request: Request, error: TaxiiError) -> TaxiiError:
    """The error for a failed authentication: `error`, or 429 once the address has failed too often."""
    address = request.client.host if request.client else "?"
    wait = request.app.state.unauthenticated.take(address)
    if wait:
        return TaxiiError(
            429,
            "too many failed authentications",
            f"{address} failed to authenticate too often; retry in {wait:.0f} s",
            {"Retry-After": str(max(1, round(wait)))},
        )
    return error


def _authenticate(conn: Connection, request: Request) -> Member:
    try:
        name, key = _credentials(request.headers.get("authorization", ""))
        try:
            member = authenticate(conn, name, key)
        except AuthError as exc:
            raise TaxiiError(401, "authentication failed", str(exc), _CHALLENGE) from exc
    except TaxiiError as exc:
        raise _failed(request, exc) from None
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
    """The request body; BodyLimit (app.py) refuses it with 413 past max_content_length as it streams."""
    return await request.body()


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
        raise TaxiiError(406, "not acceptable", f"this hub answers {TAXII_MEDIA_TYPE}, not {accept!r}")


def require_content_type(request: Request) -> None:
    """POST bodies must be TAXII 2.1 JSON envelopes (415 otherwise)."""
    media = request.headers.get("content-type", "")
    if not media.lower().startswith("application/taxii+json") or not _is_taxii(media):
        raise TaxiiError(
            415,
            "unsupported media type",
            f"send {TAXII_MEDIA_TYPE}, not {media or 'no Content-Type'!r}",
        )


def json_body(body: bytes) -> Any:
    """A request body as JSON, or a 400 saying why not (nesting too deep for the parser included)."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TaxiiError(400, "malformed JSON", f"the body is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise TaxiiError(400, "malformed JSON", "the body nests too deeply") from exc


def found(value: T | None, what: str, ident: str, member: Member) -> T:
    """`value`, or a 404 that says only that `member` has no such thing (never whether it exists)."""
    if value is None:
        raise TaxiiError(404, f"unknown {what}", f"no {what} {ident!r} for {member.name!r}")
    return value


def collection_access(
    conn: Connection, member: Member, collection_id: str, write: bool = False
) -> CollectionAccess:
    """The member's rights on a collection it may read (or write): 404 when unknown to it, 403 otherwise."""
    access = found(collection_for(conn, member, collection_id), "collection", collection_id, member)
    if write and not access.can_write:
        raise TaxiiError(403, "forbidden", f"{member.name!r} may not write to collection {collection_id!r}")
    if not write and not access.can_read:
        raise TaxiiError(403, "forbidden", f"{member.name!r} may not read collection {collection_id!r}")
    return access


class AuditMiddleware:
    """Appends one audit row per authenticated request (member, method and path, status) as it is
    answered; counts the others in `unauthenticated` (status -> requests) instead."""

    def __init__(self, app: ASGIApp, engine: Engine, unauthenticated: Counter[str]):
        self.app, self.engine, self.unauthenticated = app, engine, unauthenticated

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
        if member is None:
            self.unauthenticated[str(code)] += 1
            return
        with self.engine.begin() as conn:
            record(conn, member, "request", target, code)
