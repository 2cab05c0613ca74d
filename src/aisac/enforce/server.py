"""`aisac guard serve`: the guard and the appeals desk over HTTP (FastAPI) for gateways in any language.

The decision endpoints skip pydantic on purpose: the body is parsed with orjson and handed to the guard,
which validates leniently and never fails (a bad request gets the safe default, counted). A body orjson
refuses (a lone surrogate escape such as `"\\ud800"`, which `JSON.stringify` writes for real customer text,
or a byte that is not UTF-8) is parsed again leniently, invalid code points replaced by U+FFFD, so the
request keeps its fields and is decided as usual; when even that fails, a readable `account.id` still
decides from the account's standing. The batch endpoint amortises HTTP overhead for gateways that can group
requests; each item is decided on its own, in slices between which the event loop serves other requests.

Every request body is bounded while it streams (`max_body`, 413 beyond). The analyst routes (appeal
decisions, evidence, stats) are refused unless the server was given an analyst token, which is compared in
constant time; the public appeal route is rate-limited per client address and its fields are bounded.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import orjson
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aisac.bodylimit import limited
from aisac.enforce.appeals import AppealDesk, AppealError
from aisac.enforce.guard import Guard, settle_gc
from aisac.ratelimit import Buckets

MAX_BATCH = 10_000
#: Batch items decided between two yields to the event loop (a few milliseconds of work).
BATCH_SLICE = 200
#: Largest request body on any route: a full batch of large requests fits.
DEFAULT_MAX_BODY = 32 * 1024 * 1024
#: Appeals a client address may file a minute (and in a burst).
DEFAULT_APPEALS_PER_MINUTE = 10
#: How often the server settles the collector (see `settle_gc`): the state grows with traffic.
SETTLE_EVERY_S = 60.0


class AppealIn(BaseModel):
    account_id: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=10_000)
    reference: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=320)


class DecisionIn(BaseModel):
    analyst: str = Field(min_length=1)
    outcome: Literal["uphold", "deny"]
    note: str = ""


_SURROGATE = re.compile("[\ud800-\udfff]")
_ACCOUNT = re.compile(r'"account\.id"\s*:\s*("(?:[^"\\]|\\.)*")')


def _fix(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _clean(value: Any) -> Any:
    """`value` with lone surrogates replaced by U+FFFD in every string and key (iterative: any depth)."""
    root = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        holder, key = stack.pop()
        v = holder[key]
        if isinstance(v, str):
            holder[key] = _fix(v)
        elif isinstance(v, list):
            stack.extend((v, i) for i in range(len(v)))
        elif isinstance(v, dict):
            holder[key] = fixed = {_fix(k): x for k, x in v.items()}
            stack.extend((fixed, k) for k in fixed)
    return root[0]


def parse_body(raw: bytes) -> Any:
    """The body as JSON, leniently (see the module docstring); None when it is not JSON at all."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return _clean(json.loads(raw.decode("utf-8", errors="replace"), strict=False))  # control characters too
    except (ValueError, RecursionError):
        return None


def account_of(raw: bytes) -> str | None:
    """The `account.id` string of a body that is not JSON (truncated, nested too deeply), if one is there."""
    m = _ACCOUNT.search(raw.decode("utf-8", errors="replace"))
    if m is None:
        return None
    try:
        account = json.loads(m.group(1))
    except ValueError:
        return None
    return _fix(account) if account else None


def _decide(guard: Guard, request: Any, raw: bytes | None = None) -> dict[str, Any]:
    if request is None and raw is not None:
        account = account_of(raw)
        if account is not None:
            return guard.unreadable(account, "body is not JSON").to_dict()
    return guard.decide(request).to_dict()


DECIDE = "/v1/decide"
DECIDE_BATCH = "/v1/decide/batch"
_JSON_HEADERS = [(b"content-type", b"application/json")]


async def decide_body(guard: Guard, path: str, raw: bytes) -> tuple[int, bytes]:
    """(status, JSON body) for the two decision routes."""
    parsed = parse_body(raw)
    if path == DECIDE:
        return 200, orjson.dumps(_decide(guard, parsed, raw))
    if not isinstance(parsed, list):
        return 400, orjson.dumps({"error": "body: expected a JSON array of requests"})
    if len(parsed) > MAX_BATCH:
        return 413, orjson.dumps({"error": f"body: at most {MAX_BATCH} requests per batch, got {len(parsed)}"})
    out = []
    for start in range(0, len(parsed), BATCH_SLICE):
        if start:
            await asyncio.sleep(0)  # let single decisions through between slices
        out.extend(_decide(guard, item) for item in parsed[start : start + BATCH_SLICE])
    return 200, orjson.dumps({"decisions": out})


class DecideFastPath:
    """ASGI front that answers POST /v1/decide and /v1/decide/batch itself, skipping FastAPI's routing,
    dependency and validation layers (a third of a single decision's cost here), and hands every other
    request to the FastAPI app."""

    def __init__(self, app: FastAPI, guard: Guard, max_body: int = DEFAULT_MAX_BODY):
        self.app = app
        self.guard = guard
        self.max_body = max_body

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path")
        if scope["type"] == "http":
            receive = limited(scope, receive, self.max_body)
        if scope["type"] != "http" or scope["method"] != "POST" or path not in (DECIDE, DECIDE_BATCH):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        try:
            while more:
                msg = await receive()
                chunks.append(msg.get("body", b""))
                more = msg.get("more_body", False)
            status, body = await decide_body(self.guard, path, b"".join(chunks))
        except StarletteHTTPException as exc:
            status, body = exc.status_code, orjson.dumps({"error": exc.detail})
        headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app(
    guard: Guard,
    desk: AppealDesk,
    analyst_token: str | None = None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    appeals_per_minute: float = DEFAULT_APPEALS_PER_MINUTE,
) -> DecideFastPath:
    """The guard's HTTP API: the decision routes on the fast path, appeals and analyst routes in FastAPI.

    Without `analyst_token` the analyst routes answer 503: nobody can lift a suspension or read evidence.
    """
    app = FastAPI(title="aisac guard", version=guard.version, lifespan=_lifespan)
    expected = analyst_token.encode() if analyst_token else None
    appeals = Buckets(appeals_per_minute)

    def analyst(x_analyst_token: str | None = Header(default=None)) -> None:
        if expected is None:
            raise HTTPException(503, "analyst endpoints are disabled: the guard was started without a token")
        if x_analyst_token is None or not hmac.compare_digest(x_analyst_token.encode(), expected):
            raise HTTPException(401, "analyst endpoints need a valid X-Analyst-Token header")

    def appeal_rate(request: Request) -> None:
        wait = appeals.take(request.client.host if request.client else "?")
        if wait:
            raise HTTPException(429, f"too many appeals from this address; retry in {wait:.0f} s")

    @app.exception_handler(UnicodeDecodeError)
    async def not_utf8(_request: Request, _exc: UnicodeDecodeError) -> JSONResponse:
        """FastAPI reads a body without a Content-Type as JSON and lets a non-UTF-8 one escape as a 500."""
        return JSONResponse({"detail": "body: not UTF-8 JSON"}, status_code=400)

    @app.get("/v1/stats", dependencies=[Depends(analyst)])
    async def stats() -> dict:
        return guard.stats()

    @app.post("/v1/appeals", status_code=201, dependencies=[Depends(appeal_rate)])
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

    return DecideFastPath(app, guard, max_body)


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
