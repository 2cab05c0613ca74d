"""The stateless paging cursor: the (date_added, pk) of the last row served, so it survives restarts and
breaks ties between objects added in the same instant."""

from __future__ import annotations

import base64
import binascii


class CursorError(ValueError):
    """The `next` parameter is not a cursor this hub issued."""


def encode(date_added: int, pk: int) -> str:
    """Opaque, URL-safe form of a position."""
    return base64.urlsafe_b64encode(f"v1:{date_added}:{pk}".encode()).decode().rstrip("=")


def decode(token: str) -> tuple[int, int]:
    """The position in a cursor, or CursorError."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        tag, date_added, pk = text.split(":")
        if tag != "v1":
            raise ValueError(tag)
        return int(date_added), int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise CursorError(f"'next' is not a cursor issued by this hub: {token[:40]!r}") from exc
