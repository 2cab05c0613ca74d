"""Members, their API keys (only a SHA-256 hash is stored) and authentication of a request's credentials.

Keys are 256-bit random tokens, so a plain SHA-256 suffices (no slow password hash is needed to resist
guessing) and lets a Bearer token be looked up directly by its hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update

from aisac.hub import tlog
from aisac.hub.audit import record
from aisac.hub.models import api_keys, members
from aisac.hub.timefmt import now_us

ROLES = ("lab", "chair", "liaison", "observer")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Member:
    """An authenticated member: the organisation (name), its role and its registered signing key."""

    id: int
    name: str
    role: str
    public_key: bytes | None


class AuthError(Exception):
    """Credentials are missing, unknown, revoked or expired (always answered 401)."""


def hash_key(key: str) -> str:
    """The stored form of an API key."""
    return hashlib.sha256(key.encode()).hexdigest()


def add_member(
    engine: Engine, name: str, role: str, public_key: bytes | None = None, expires_days: float | None = 365
) -> str:
    """Create a member and its first API key; return the key (shown once, never stored in clear)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not _NAME.match(name):
        raise ValueError(f"member name {name!r} must match {_NAME.pattern}")
    with engine.begin() as conn:
        if conn.execute(select(members.c.id).where(members.c.name == name)).first():
            raise ValueError(f"member {name!r} already exists")
        member_id = conn.execute(
            insert(members).values(name=name, role=role, public_key=public_key, created_at=now_us())
        ).inserted_primary_key[0]
        key = _new_key(conn, member_id, expires_days)
        record(
            conn, None, "member.add", name, detail=f"role={role} signing_key={'yes' if public_key else 'no'}"
        )
        detail = f"role={role} signing_key={public_key.hex() if public_key else 'none'}"
        tlog.append(conn, [tlog.Entry("member.add", name, None, name, detail)])
    return key


def new_key(engine: Engine, name: str, expires_days: float | None = 365) -> str:
    """Issue another key for an existing member (rotation); older keys stay valid until revoked/expired."""
    with engine.begin() as conn:
        member_id = _member_id(conn, name)
        key = _new_key(conn, member_id, expires_days)
        record(conn, None, "member.key", name)
        tlog.append(conn, [tlog.Entry("member.key", name, None, name, "new API key")])
    return key


def set_public_key(engine: Engine, name: str, public_key: bytes) -> None:
    """Register (or replace) a member's Ed25519 signing key."""
    with engine.begin() as conn:
        conn.execute(
            update(members).where(members.c.id == _member_id(conn, name)).values(public_key=public_key)
        )
        record(conn, None, "member.set-key", name)
        tlog.append(conn, [tlog.Entry("member.set-key", name, None, name, f"signing_key={public_key.hex()}")])


def _member_id(conn: Connection, name: str) -> int:
    row = conn.execute(select(members.c.id).where(members.c.name == name)).first()
    if row is None:
        raise ValueError(f"no member named {name!r}")
    return int(row.id)


def _new_key(conn: Connection, member_id: int, expires_days: float | None) -> str:
    key = "aisac_" + secrets.token_urlsafe(32)
    now = now_us()
    expires = None if expires_days is None else now + int(expires_days * DAY_US)
    conn.execute(
        insert(api_keys).values(
            member_id=member_id, key_hash=hash_key(key), created_at=now, expires_at=expires, revoked=False
        )
    )
    return key


def _key_row(conn: Connection, where):  # type: ignore[no-untyped-def]
    return conn.execute(
        select(
            members.c.id,
            members.c.name,
            members.c.role,
            members.c.public_key,
            api_keys.c.id.label("key_id"),
            api_keys.c.expires_at,
            api_keys.c.revoked,
        )
        .join(api_keys, api_keys.c.member_id == members.c.id)
        .where(where)
    ).first()


def authenticate(conn: Connection, name: str | None, key: str) -> Member:
    """The member owning `key` (and called `name`, for HTTP Basic); AuthError says why not."""
    return _valid(_key_row(conn, api_keys.c.key_hash == hash_key(key)), name)


def authenticate_key_id(conn: Connection, name: str, key_id: int) -> Member:
    """The member of a signed-in session, re-checked on every request: a revoked or expired key ends it."""
    return _valid(_key_row(conn, api_keys.c.id == key_id), name)


def stored_key_id(conn: Connection, key: str) -> int:
    """The id of the stored key `key` hashes to (what a session remembers instead of the key)."""
    found = conn.execute(select(api_keys.c.id).where(api_keys.c.key_hash == hash_key(key))).scalar()
    if found is None:
        raise AuthError("unknown API key for this member")
    return int(found)


def _valid(row, name: str | None) -> Member:  # type: ignore[no-untyped-def]
    if row is None or (name is not None and row.name != name):
        raise AuthError("unknown API key for this member")
    if row.revoked:
        raise AuthError("API key revoked")
    if row.expires_at is not None and row.expires_at <= now_us():
        raise AuthError("API key expired")
    return Member(int(row.id), row.name, row.role, row.public_key)
