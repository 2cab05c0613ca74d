"""The hub's ASGI application."""

from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from aisac.hub import errors, forum_routes, incident_routes, taxii
from aisac.hub.charter import Charter
from aisac.hub.http import AuditMiddleware
from aisac.hub.validate import warm_up

DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024


def create_app(
    engine: Engine, max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH, charter: Charter | None = None
) -> FastAPI:
    """A FastAPI app serving TAXII 2.1 and the incident API over `engine` (already migrated); with a
    working-group `charter`, chairs it names are refused outside their terms."""
    app = FastAPI(title="aisac forum hub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.max_content_length = max_content_length
    app.state.charter = charter
    app.include_router(taxii.router)
    app.include_router(incident_routes.router)
    app.include_router(forum_routes.router)
    app.add_exception_handler(errors.TaxiiError, errors.on_taxii_error)
    app.add_exception_handler(HTTPException, errors.on_http_error)
    app.add_exception_handler(RequestValidationError, errors.on_validation_error)
    app.add_middleware(AuditMiddleware, engine=engine)
    threading.Thread(target=warm_up, name="compile-stix-schemas", daemon=True).start()
    return app
