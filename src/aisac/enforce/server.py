"""`aisac guard serve`: the guard and the appeals desk over HTTP (FastAPI) for gateways in any language.

The decision endpoints skip pydantic on purpose: the body is parsed with orjson and handed to the guard,
which validates leniently and never fails (a bad request gets the safe default, counted). The batch
endpoint amortises HTTP overhead for gateways that can group requests.
"""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from aisac.enforce.appeals import AppealDesk, AppealError
from aisac.enforce.guard import Guard

MAX_BATCH = 10_000


class AppealIn(BaseModel):
    account_id: str = Field(min_length=1)
    message: str = Field(min_length=1, max_length=10_000)
    reference: str | None = None
    contact: str | None = None


class DecisionIn(BaseModel):
    analyst: str = Field(min_length=1)
    outcome: Literal["uphold", "deny"]
    note: str = ""


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _body(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def create_app(guard: Guard, desk: AppealDesk, analyst_token: str | None = None) -> FastAPI:
    app = FastAPI(title="aisac guard", version=guard.version)

    def analyst(x_analyst_token: str | None = Header(default=None)) -> None:
        if analyst_token is not None and x_analyst_token != analyst_token:
            raise HTTPException(401, "analyst endpoints need a valid X-Analyst-Token header")

    @app.post("/v1/decide")
    async def decide(request: Request) -> Response:
        return _json(guard.decide(_body(await request.body())).to_dict())

    @app.post("/v1/decide/batch")
    async def decide_batch(request: Request) -> Response:
        items = _body(await request.body())
        if not isinstance(items, list):
            return _json({"error": "body: expected a JSON array of requests"}, 400)
        if len(items) > MAX_BATCH:
            return _json({"error": f"body: at most {MAX_BATCH} requests per batch, got {len(items)}"}, 413)
        return _json({"decisions": [guard.decide(i).to_dict() for i in items]})

    @app.get("/v1/stats", dependencies=[Depends(analyst)])
    async def stats() -> Response:
        return _json(guard.stats())

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

    return app
