"""The hub's PSI relay: pairs two labs in a session and passes opaque messages between them, then forgets.

The hub sees only who talks to whom, the identifier kind and message sizes: payloads are blinded group
elements encrypted to the peer (aisac.forum.sealing). Only the two parties of a session can read or post
in it; a message's body is erased once its recipient fetched it, and every message is deleted when the
session expires. A name is accepted once per sender and session, even after delivery (the peer's nonces
derive from names). Opening and joining a session are leaves of the transparency log.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from aisac.hub import tlog
from aisac.hub.db import serialized
from aisac.hub.members import Member
from aisac.hub.models import members, psi_messages, psi_sessions
from aisac.hub.timefmt import format_ts, now_us

KINDS = ("email", "card", "phone", "raw")
DEFAULT_TTL_S = 900
MAX_TTL_S = 3600
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_US = 1_000_000


class RelayError(Exception):
    """A refused relay request: HTTP status, short title, and the reason."""

    def __init__(self, status: int, title: str, reason: str):
        super().__init__(reason)
        self.status, self.title, self.reason = status, title, reason


@dataclass(frozen=True)
class Session:
    """A session as one of its parties sees it."""

    id: str
    kind: str
    me: int
    other: int
    other_name: str
    other_key: bytes | None
    expires_at: int

    def json(self) -> dict[str, Any]:
        """The session's public view (the peer's key is null until it joins)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "peer": self.other_name,
            "peer_key": base64.b64encode(self.other_key).decode() if self.other_key else None,
            "expires_at": format_ts(self.expires_at),
        }


def _purge(conn: Connection) -> None:
    expired = select(psi_sessions.c.id).where(psi_sessions.c.expires_at <= now_us())
    conn.execute(delete(psi_messages).where(psi_messages.c.session_id.in_(expired)))


def _lab(conn: Connection, name: str) -> int:
    row = conn.execute(select(members.c.id, members.c.role).where(members.c.name == name)).first()
    if row is None or row.role != "lab":
        raise RelayError(404, "unknown lab", f"no lab member named {name!r}")
    return int(row.id)


def open_session(engine: Engine, member: Member, peer: str, kind: str, key: bytes, ttl_s: int) -> Session:
    """Join the peer's waiting session for this kind, or open one it can join; log either as a leaf."""
    if member.role != "lab":
        raise RelayError(403, "forbidden", f"role {member.role!r} may not run PSI (labs only)")
    if kind not in KINDS:
        raise RelayError(422, "invalid kind", f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if len(key) != 32:
        raise RelayError(422, "invalid key", "key must be a 32-byte X25519 public key (base64)")
    if not 1 <= ttl_s <= MAX_TTL_S:
        raise RelayError(422, "invalid ttl", f"ttl must be 1..{MAX_TTL_S} seconds, got {ttl_s}")
    if peer == member.name:
        raise RelayError(422, "invalid peer", "a lab cannot run PSI with itself")
    with serialized(engine, "psi-sessions") as conn:
        _purge(conn)
        peer_id = _lab(conn, peer)
        now = now_us()
        conn.execute(  # a new run supersedes this lab's own unjoined session (e.g. a run that died)
            update(psi_sessions)
            .where(
                psi_sessions.c.opener_id == member.id,
                psi_sessions.c.peer_id == peer_id,
                psi_sessions.c.kind == kind,
                psi_sessions.c.peer_key.is_(None),
                psi_sessions.c.expires_at > now,
            )
            .values(expires_at=now)
        )
        waiting = conn.execute(
            select(psi_sessions)
            .where(
                psi_sessions.c.opener_id == peer_id,
                psi_sessions.c.peer_id == member.id,
                psi_sessions.c.kind == kind,
                psi_sessions.c.peer_key.is_(None),
                psi_sessions.c.expires_at > now,
            )
            .order_by(psi_sessions.c.created_at)
            .limit(1)
        ).first()
        if waiting is not None:
            conn.execute(update(psi_sessions).where(psi_sessions.c.id == waiting.id).values(peer_key=key))
            tlog.append(conn, [tlog.Entry("psi.join", waiting.id, member.name, peer, f"kind={kind}")])
            return Session(waiting.id, kind, member.id, peer_id, peer, bytes(waiting.opener_key), waiting.expires_at)
        session_id = str(uuid.uuid4())
        expires = now + ttl_s * _US
        conn.execute(
            insert(psi_sessions).values(
                id=session_id,
                kind=kind,
                opener_id=member.id,
                peer_id=peer_id,
                opener_key=key,
                peer_key=None,
                created_at=now,
                expires_at=expires,
            )
        )
        tlog.append(conn, [tlog.Entry("psi.open", session_id, member.name, peer, f"kind={kind}")])
        return Session(session_id, kind, member.id, peer_id, peer, None, expires)


def session(conn: Connection, member: Member, session_id: str) -> Session:
    """The session for one of its two parties; 404 for anyone else (as if absent), 410 once expired."""
    row = conn.execute(select(psi_sessions).where(psi_sessions.c.id == session_id)).first()
    if row is None or member.id not in (row.opener_id, row.peer_id):
        raise RelayError(404, "unknown session", f"no PSI session {session_id!r} for {member.name!r}")
    if row.expires_at <= now_us():
        raise RelayError(410, "session expired", f"PSI session {session_id!r} expired; start a new one")
    opener = member.id == row.opener_id
    other = row.peer_id if opener else row.opener_id
    other_name = conn.execute(select(members.c.name).where(members.c.id == other)).scalar_one()
    other_key = row.peer_key if opener else row.opener_key
    return Session(
        row.id, row.kind, member.id, other, other_name, bytes(other_key) if other_key else None, row.expires_at
    )


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise RelayError(422, "invalid message name", f"message name {name!r} must match {_NAME.pattern}")


def post(engine: Engine, member: Member, session_id: str, name: str, body: bytes) -> None:
    """Store one message for the peer (each name once per sender)."""
    _check_name(name)
    with serialized(engine, f"psi:{session_id}") as conn:
        s = session(conn, member, session_id)
        if s.other_key is None:
            raise RelayError(409, "peer not joined", f"{s.other_name!r} has not joined session {session_id!r}")
        taken = conn.execute(
            select(psi_messages.c.name).where(
                psi_messages.c.session_id == session_id,
                psi_messages.c.sender_id == member.id,
                psi_messages.c.name == name,
            )
        ).first()
        if taken is not None:
            raise RelayError(409, "message exists", f"message {name!r} was already posted in this PSI session")
        conn.execute(
            insert(psi_messages).values(
                session_id=session_id,
                sender_id=member.id,
                name=name,
                body=body,
                created_at=now_us(),
                delivered=False,
            )
        )


def fetch(engine: Engine, member: Member, session_id: str, name: str) -> bytes | None:
    """The peer's message `name` (erased as it is handed over), or None while it has not arrived."""
    _check_name(name)
    with engine.connect() as conn:
        s = session(conn, member, session_id)
        found = conn.execute(
            select(psi_messages.c.body).where(
                psi_messages.c.session_id == session_id,
                psi_messages.c.sender_id == s.other,
                psi_messages.c.name == name,
                psi_messages.c.delivered.is_(False),
            )
        ).scalar()
    if found is None:
        return None
    with serialized(engine, f"psi:{session_id}") as conn:
        conn.execute(
            update(psi_messages)
            .where(
                psi_messages.c.session_id == session_id,
                psi_messages.c.sender_id == s.other,
                psi_messages.c.name == name,
            )
            .values(body=b"", delivered=True)
        )
    return bytes(found)
