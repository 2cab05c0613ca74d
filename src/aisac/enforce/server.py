"""`aisac guard serve`: the guard and the appeals desk over HTTP (FastAPI) for gateways in any language.

The decision endpoints skip pydantic on purpose: the body is parsed with orjson and handed to the guard,
which validates leniently and never fails (a bad request gets the safe default, counted). The batch
endpoint amortises HTTP overhead for gateways that can group requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import orjson
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from aisac.enforce.appeals import AppealDesk, AppealError
from aisac.enforce.guard import Guard, settle_gc

MAX_BATCH = 10_000
#: How often the server settles the collector (see `settle_gc`): the state grows with traffic.
SETTLE_EVERY_S = 60.0


class AppealIn(BaseModel):
    account_id: str = Field(min_length=1)
    message: str = Field(min_length=1, max_length=10_000)
    reference: str | None = None
    contact: str | None = None


class DecisionIn(BaseModel):
    analyst: str = Field(min_length=1)
    outcome: Literal["uphold", "deny"]
    note: str = ""


def _body(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


DECIDE = "/v1/decide"
DECIDE_BATCH = "/v1/decide/batch"
_JSON_HEADERS = [(b"content-type", b"application/json")]


def decide_body(guard: Guard, path: str, raw: bytes) -> tuple[int, bytes]:
    """(status, JSON body) for the two decision routes; shared by the fast path and the FastAPI routes."""
    if path == DECIDE:
        return 200, orjson.dumps(guard.decide(_body(raw)).to_dict())
    items = _body(raw)
    if not isinstance(items, list):
        return 400, orjson.dumps({"error": "body: expected a JSON array of requests"})
    if len(items) > MAX_BATCH:
        return 413, orjson.dumps({"error": f"body: at most {MAX_BATCH} requests per batch, got {len(items)}"})
    return 200, orjson.dumps({"decisions": [guard.decide(i).to_dict() for i in items]})


class DecideFastPath:
    """ASGI front that answers POST /v1/decide and /v1/decide/batch itself, skipping FastAPI's routing,
    dependency and validation layers (a third of a single decision's cost here), and hands every other
    request to the FastAPI app."""

    def __init__(self, app: FastAPI, guard: Guard):
        self.app = app
        self.guard = guard

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path")
        if scope["type"] != "http" or scope["method"] != "POST" or path not in (DECIDE, DECIDE_BATCH):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        status, body = decide_body(self.guard, path, b"".join(chunks))
        headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app(guard: Guard, desk: AppealDesk, analyst_token: str | None = None) -> DecideFastPath:
    """The guard's HTTP API: the decision routes on the fast path, appeals and analyst routes in FastAPI."""
    app = FastAPI(title="aisac guard", version=guard.version, lifespan=_lifespan)

    def analyst(x_analyst_token: str | None = Header(default=None)) -> None:
        if analyst_token is not None and x_analyst_token != analyst_token:
            raise HTTPException(401, "analyst endpoints need a valid X-Analyst-Token header")

    @app.get("/v1/stats", dependencies=[Depends(analyst)])
    async def stats() -> dict:
        return guard.stats()

    @app.post("/v1/appeals", status_code=201)
    async def file_appeal(body: AppealIn) -> dict:
        """Customer-facing: records the appeal; returns its id and status, never the evidence."""
        return desk.file(body.account_id, body.message, body.reference, body.contact)

    @app.get("/v1/appeals", dependencies=[Depends(analyst)])
    async def list_appeals(status: Literal["open", "upheld", "denied"] | None = None) -> list[dict]:
        return desk.list(status)

    @app.get("/v1/appeals/false-positives", dependencies=[Depends(analyst)])
    async def false_positives() -> list[dict]:
        return desk.false_positives()

    @app.get("/v1/appeals/{appeal_id}", dependencies=[Depends(analyst)])
    async def show_appeal(appeal_id: str) -> dict:
        try:
            return desk.show(appeal_id)
        except AppealError as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.post("/v1/appeals/{appeal_id}/decision", dependencies=[Depends(analyst)])
    async def decide_appeal(appeal_id: str, body: DecisionIn) -> dict:
        try:
            return desk.decide(appeal_id, body.analyst, body.outcome, body.note)
        except AppealError as exc:
            raise HTTPException(404 if "no such" in str(exc) else 409, str(exc)) from exc

    @app.get("/v1/accounts/{account_id}/evidence", dependencies=[Depends(analyst)])
    async def evidence(account_id: str) -> dict:
        return guard.evidence(account_id)

    return DecideFastPath(app, guard)


async def _settle_now_and_then(every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        settle_gc()


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Settle the collector once started and every SETTLE_EVERY_S while serving (see `settle_gc`)."""
    settle_gc()
    settler = asyncio.get_running_loop().create_task(_settle_now_and_then(SETTLE_EVERY_S))
    yield
    settler.cancel()


def run(app: DecideFastPath, host: str, port: int) -> None:
    """Serve with uvicorn on one event loop, tuned for the decision routes: httptools and uvloop; no
    proxy-header rewriting (gateways call the guard directly and it never reads X-Forwarded-For; the
    rewrite costs a tenth of an empty request) and no Server header."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        http="auto",  # httptools and uvloop where installed (all but Windows)
        loop="auto",
    )
