"""TAXII 2.1 error bodies; every error the hub returns uses them."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from aisac.contract.stix import TAXII_MEDIA_TYPE


class TaxiiError(Exception):
    """An error answered with a TAXII error message body."""

    def __init__(self, status: int, title: str, description: str = "", headers: dict[str, str] | None = None):
        super().__init__(f"{status} {title}: {description}")
        self.status, self.title, self.description, self.headers = status, title, description, headers


def error_response(
    status: int, title: str, description: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    """A TAXII error message resource."""
    body = {"title": title, "description": description, "http_status": str(status)}
    return JSONResponse(body, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


async def on_taxii_error(_request: Request, exc: Exception) -> JSONResponse:
    """Handler for TaxiiError."""
    assert isinstance(exc, TaxiiError)
    return error_response(exc.status, exc.title, exc.description, exc.headers)


async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (unknown route, wrong method) in TAXII form."""
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail), "", dict(exc.headers or {}))


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """Bad query parameters (e.g. a non-integer limit) in TAXII form."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return error_response(400, "invalid request parameter", f"{where}: {first.get('msg', 'invalid')}")
