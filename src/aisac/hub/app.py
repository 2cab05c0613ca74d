"""The hub's ASGI application."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from aisac.bodylimit import BodyLimit
from aisac.hub import errors, forum_routes, incident_routes, log_routes, psi_routes, report_routes, taxii
from aisac.hub.charter import Charter
from aisac.hub.checkpoints import Checkpointer, CheckpointMiddleware, LogKey
from aisac.hub.http import AuditMiddleware
from aisac.hub.validate import warm_up
from aisac.ratelimit import Buckets

DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024


DEFAULT_UNAUTHENTICATED_PER_MINUTE = 120


def create_app(
    engine: Engine,
    log_key: LogKey,
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH,
    pages: Callable[[FastAPI], None] | None = None,
    unauthenticated_per_minute: float = DEFAULT_UNAUTHENTICATED_PER_MINUTE,
    charter: Charter | None = None,
) -> FastAPI:
    """A FastAPI app serving TAXII 2.1, the incident API, the PSI relay and the transparency log over
    `engine` (already migrated); transparency-log checkpoints are signed with `log_key`.

    `pages` mounts the analysts' web pages (`aisac.ui.routes.mount`); the server command passes it, so the
    hub itself never imports the parts built on top of it. Every request body is bounded by
    `max_content_length` as it streams; failed authentications are limited per source address to
    `unauthenticated_per_minute` (see http.py).
    """
    app = FastAPI(title="aisac forum hub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.max_content_length = max_content_length
    app.state.log_key = log_key
    app.state.charter = charter  # chairs it names are refused outside their terms (http.py)
    checkpointer = Checkpointer(engine, log_key)
    app.state.unauthenticated = Buckets(unauthenticated_per_minute)
    app.state.unauthenticated_counts = Counter()
    app.include_router(taxii.router)
    app.include_router(incident_routes.router)
    app.include_router(report_routes.router)
    app.include_router(psi_routes.router)
    app.include_router(log_routes.router)
    app.include_router(forum_routes.router)
    app.add_exception_handler(errors.TaxiiError, errors.on_taxii_error)
    app.add_exception_handler(HTTPException, errors.on_http_error)
    app.add_exception_handler(RequestValidationError, errors.on_validation_error)
    if pages is not None:
        pages(app)
    app.add_middleware(CheckpointMiddleware, checkpointer=checkpointer)
    app.add_middleware(AuditMiddleware, engine=engine, unauthenticated=app.state.unauthenticated_counts)
    app.add_middleware(BodyLimit, limit=max_content_length, name="max_content_length")
    checkpointer.start()
    threading.Thread(target=warm_up, name="compile-stix-schemas", daemon=True).start()
    return app
