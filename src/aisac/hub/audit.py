"""The append-only audit trail: every request and every change (database triggers refuse UPDATE/DELETE)."""

from __future__ import annotations

from sqlalchemy import Connection, insert

from aisac.hub.models import audit
from aisac.hub.timefmt import now_us


def record(
    conn: Connection,
    member: str | None,
    action: str,
    target: str = "",
    status: int | None = None,
    detail: str = "",
) -> None:
    """Append one audit row in the caller's transaction, so the change and its record commit together."""
    conn.execute(
        insert(audit).values(
            at=now_us(), member=member, action=action, target=target[:300], status=status, detail=detail
        )
    )
