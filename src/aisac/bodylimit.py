"""An ASGI middleware that bounds every request body while it streams in (both servers use it).

The limit is checked as the application reads: a declared Content-Length over it, or the bytes received so
far passing it, raise a 413 HTTPException inside the application's `receive`, so nothing beyond the limit
is ever buffered, and a request whose body is never read (an unauthenticated one) costs nothing.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large(limit: int, name: str = "the body limit") -> HTTPException:
    """The error for a body over `limit` bytes (`name`: what the server calls its limit)."""
    return HTTPException(413, f"request body exceeds {name} ({limit} bytes)")


class BodyLimit:
    """Wraps `receive` of every HTTP request so that reading past `limit` bytes raises a 413."""

    def __init__(self, app: ASGIApp, limit: int, name: str = "the body limit"):
        self.app, self.limit, self.name = app, limit, name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, limited(scope, receive, self.limit, self.name), send)


def limited(scope: Scope, receive: Receive, limit: int, name: str = "the body limit") -> Receive:
    """`receive` that raises a 413 HTTPException once the body is known to exceed `limit` bytes."""
    declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        if declared is not None and (not declared.isdigit() or len(declared) > 18 or int(declared) > limit):
            raise too_large(limit, name)
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit, name)
        return message

    return receive_limited
