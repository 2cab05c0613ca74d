"""HTTP routes of the transparency log: checkpoint, verifier key, proofs, and the leaves a member may see."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select

from aisac.contract.merkle import ProofError, consistency_proof, inclusion_proof
from aisac.hub import tlog
from aisac.hub.errors import TaxiiError
from aisac.hub.http import member_of
from aisac.hub.members import Member
from aisac.hub.models import tlog_checkpoints, tlog_leaves

router = APIRouter(prefix="/aisac/log")
Auth = Annotated[Member, Depends(member_of)]
MAX_LEAVES = 1000


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


@router.get("/checkpoint")
def checkpoint(request: Request, member: Auth) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP signed note)."""
    with request.app.state.engine.connect() as conn:
        note = conn.execute(select(tlog_checkpoints.c.note).order_by(tlog_checkpoints.c.size.desc()).limit(1)).scalar()
    if note is None:
        raise TaxiiError(404, "no checkpoint", "the log has not signed a checkpoint yet")
    return PlainTextResponse(note)


@router.get("/vkey")
def vkey(request: Request, member: Auth) -> PlainTextResponse:
    """The log's verifier key; members pin it on first use (or compare it with the one they were given)."""
    return PlainTextResponse(request.app.state.log_key.verifier.text() + "\n")


def _tree_size(conn, size: int) -> int:  # type: ignore[no-untyped-def]
    current = tlog.size(conn)
    if not 0 < size <= current:
        raise TaxiiError(400, "invalid size", f"size must be 1..{current}, got {size}")
    return size


@router.get("/proof/inclusion")
def inclusion(
    request: Request, member: Auth, index: Annotated[int, Query(ge=0)], size: Annotated[int, Query(ge=1)]
) -> JSONResponse:
    """Inclusion proof of one of the member's leaves in the tree of `size` leaves."""
    with request.app.state.engine.connect() as conn:
        row = conn.execute(select(tlog_leaves).where(tlog_leaves.c.idx == index, tlog.visible_to(member.name))).first()
        if row is None:
            raise TaxiiError(404, "unknown leaf", f"no leaf {index} for {member.name!r}")
        try:
            proof = inclusion_proof(tlog.node_source(conn), index, _tree_size(conn, size))
        except ProofError as exc:
            raise TaxiiError(400, "invalid proof request", str(exc)) from exc
    return JSONResponse({"index": index, "size": size, "leaf": tlog.leaf_json(row), "hashes": _b64(proof)})


@router.get("/proof/consistency")
def consistency(
    request: Request, member: Auth, first: Annotated[int, Query(ge=1)], second: Annotated[int, Query(ge=1)]
) -> JSONResponse:
    """Consistency proof that the tree of `first` leaves is a prefix of the tree of `second` leaves."""
    with request.app.state.engine.connect() as conn:
        try:
            proof = consistency_proof(tlog.node_source(conn), first, _tree_size(conn, second))
        except ProofError as exc:
            raise TaxiiError(400, "invalid proof request", str(exc)) from exc
    return JSONResponse({"first": first, "second": second, "hashes": _b64(proof)})


@router.get("/leaves")
def leaves(
    request: Request,
    member: Auth,
    start: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LEAVES)] = MAX_LEAVES,
) -> JSONResponse:
    """The member's leaves from index `start`: its own actions and what others did with its data."""
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(
            select(tlog_leaves)
            .where(tlog_leaves.c.idx >= start, tlog.visible_to(member.name))
            .order_by(tlog_leaves.c.idx)
            .limit(limit + 1)
        ).all()
    body: dict[str, object] = {"leaves": [tlog.leaf_json(r) for r in rows[:limit]]}
    if len(rows) > limit:
        body["next"] = rows[limit].idx
    return JSONResponse(body)
