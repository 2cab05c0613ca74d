"""TAXII 2.1 endpoints: discovery, API root, collections, objects, object versions, manifest, status."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from aisac.contract.signing import SIGNATURE_HEADER, SIGNER_HEADER
from aisac.contract.stix import STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE
from aisac.hub import cursor, tlog
from aisac.hub.access import CollectionAccess, collection_for, collections_for
from aisac.hub.errors import TaxiiError
from aisac.hub.http import (
    collection_access,
    found,
    json_body,
    member_of,
    read_body,
    read_session,
    require_accept,
    require_content_type,
)
from aisac.hub.members import Member
from aisac.hub.models import objects
from aisac.hub.store import Filters, SignatureError, ingest, load_status, page, query
from aisac.hub.timefmt import format_ts, parse_ts

_DIGITS = re.compile(r"[0-9]+")
API_ROOT = "forum"
MAX_PAGE = 1000
router = APIRouter(dependencies=[Depends(require_accept)])
Auth = Annotated[Member, Depends(member_of)]


def taxii(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A TAXII JSON response; `body` may already be serialized."""
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return Response(text, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _filters(request: Request, versions_default: str = "last") -> Filters:
    q = request.query_params
    try:
        added_after = parse_ts(q["added_after"]) if "added_after" in q else None
        versions = _list(q.get("match[version]")) or [versions_default]
        for v in versions:
            if v not in ("first", "last", "all"):
                parse_ts(v)
    except ValueError as exc:
        raise TaxiiError(400, "invalid filter", str(exc)) from exc
    return Filters(
        added_after,
        _list(q.get("match[id]")),
        _list(q.get("match[type]")),
        versions,
        _list(q.get("match[spec_version]")),
    )


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "100")
    if not _DIGITS.fullmatch(raw) or int(raw[:12]) < 1:  # ASCII digits only: `isdigit` accepts '²'
        raise TaxiiError(400, "invalid limit", f"limit must be a positive integer, got {raw[:40]!r}")
    return min(int(raw[:12]), MAX_PAGE)


def _page(conn: Connection, request: Request, q: Any) -> tuple[list[Any], str | None]:
    try:
        return page(conn, q, _limit(request), request.query_params.get("next"))
    except cursor.CursorError as exc:
        raise TaxiiError(400, "invalid next", str(exc)) from exc


def _added_headers(rows: list[Any]) -> dict[str, str]:
    if not rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": format_ts(rows[0].date_added),
        "X-TAXII-Date-Added-Last": format_ts(rows[-1].date_added),
    }


def _envelope(rows: list[Any], more: str | None) -> str:
    head = f'{{"more":{"true" if more else "false"}' + (f',"next":"{more}"' if more else "")
    if not rows:
        return head + "}"
    return head + ',"objects":[' + ",".join(r.body for r in rows) + "]}"


@router.get("/taxii2/")
def discovery(request: Request) -> Response:
    with read_session(request):
        root = f"{str(request.base_url).rstrip('/')}/{API_ROOT}/"
    return taxii(
        {
            "title": "aisac forum hub",
            "description": "TAXII 2.1 channel between member labs",
            "contact": "forum chair",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get(f"/{API_ROOT}/")
def api_root(request: Request) -> Response:
    with read_session(request):
        pass
    return taxii(
        {
            "title": "forum",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": request.app.state.max_content_length,
        }
    )


def _collection_body(c: CollectionAccess) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "can_read": c.can_read,
        "can_write": c.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    }


@router.get(f"/{API_ROOT}/collections/")
def list_collections(request: Request) -> Response:
    with read_session(request) as (conn, member):
        return taxii({"collections": [_collection_body(c) for c in collections_for(conn, member)]})


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/")
def get_collection(request: Request, collection_id: str) -> Response:
    with read_session(request) as (conn, member):
        access = found(collection_for(conn, member, collection_id), "collection", collection_id, member)
    return taxii(_collection_body(access))


READ_COLUMNS = [
    objects.c.body,
    objects.c.collection_id,
    objects.c.stix_id,
    objects.c.version,
    objects.c.tlp,
    objects.c.submitter_id,
]


def _log_reads(request: Request, conn: Connection, member: Member, rows: list[Any]) -> None:
    """Have read_session log the reads of AMBER-or-tighter objects as transparency-log leaves."""
    request.state.log_entries = tlog.read_entries(conn, member.name, rows)


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/")
def get_objects(request: Request, collection_id: str) -> Response:
    with read_session(request) as (conn, member):
        collection_access(conn, member, collection_id)
        q = query(member, collection_id, _filters(request), READ_COLUMNS)
        rows, more = _page(conn, request, q)
        _log_reads(request, conn, member, rows)
    return taxii(_envelope(rows, more), headers=_added_headers(rows))


def _object_rows(
    request: Request, collection_id: str, object_id: str, columns: list[Any], versions: str | None = None
) -> tuple[list[Any], str | None]:
    """One page of an object's visible versions; 404 when the member can see none (as if absent)."""
    with read_session(request) as (conn, member):
        f = _filters(request)
        f.ids, f.versions = [object_id], [versions] if versions else f.versions
        collection_access(conn, member, collection_id)
        rows, more = _page(conn, request, query(member, collection_id, f, columns))
        if not rows and not request.query_params.get("next"):
            raise TaxiiError(
                404, "unknown object", f"no object {object_id!r} in collection {collection_id!r}"
            )
        if objects.c.body in columns:
            _log_reads(request, conn, member, rows)
    return rows, more


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/")
def get_object(request: Request, collection_id: str, object_id: str) -> Response:
    rows, more = _object_rows(request, collection_id, object_id, READ_COLUMNS)
    return taxii(_envelope(rows, more), headers=_added_headers(rows))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
def get_versions(request: Request, collection_id: str, object_id: str) -> Response:
    rows, more = _object_rows(request, collection_id, object_id, [objects.c.version], versions="all")
    body: dict[str, Any] = {
        "more": more is not None,
        "versions": [format_ts(r.version or r.date_added) for r in rows],
    }
    if more:
        body["next"] = more
    return taxii(body, headers=_added_headers(rows))


@router.get(f"/{API_ROOT}/collections/{{collection_id}}/manifest/")
def get_manifest(request: Request, collection_id: str) -> Response:
    with read_session(request) as (conn, member):
        collection_access(conn, member, collection_id)
        q = query(member, collection_id, _filters(request), [objects.c.stix_id, objects.c.version])
        rows, more = _page(conn, request, q)
    body: dict[str, Any] = {"more": more is not None}
    if more:
        body["next"] = more
    if rows:
        body["objects"] = [
            {
                "id": r.stix_id,
                "date_added": format_ts(r.date_added),
                "version": format_ts(r.version or r.date_added),
                "media_type": STIX_MEDIA_TYPE,
            }
            for r in rows
        ]
    return taxii(body, headers=_added_headers(rows))


@router.post(f"/{API_ROOT}/collections/{{collection_id}}/objects/")
async def add_objects(request: Request, member: Auth, collection_id: str) -> Response:
    engine = request.app.state.engine

    def check_collection() -> None:
        with engine.connect() as conn:
            collection_access(conn, member, collection_id, write=True)

    await anyio.to_thread.run_sync(check_collection)
    require_content_type(request)
    envelope = _read_envelope(await read_body(request))
    try:
        status = await anyio.to_thread.run_sync(
            ingest,
            engine,
            collection_id,
            member,
            envelope,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(SIGNER_HEADER),
        )
    except SignatureError as exc:
        raise TaxiiError(403, "signature rejected", str(exc)) from exc
    return taxii(status, status=202)


def _read_envelope(body: bytes) -> list[Any]:
    envelope = json_body(body)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise TaxiiError(400, "not a TAXII envelope", "expected a JSON object with an 'objects' list")
    return envelope["objects"]


@router.get(f"/{API_ROOT}/status/{{status_id}}/")
def get_status(request: Request, status_id: str) -> Response:
    with read_session(request) as (conn, member):
        return taxii(found(load_status(conn, member, status_id), "status", status_id, member))
