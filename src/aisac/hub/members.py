"""Members, their API keys (only a SHA-256 hash is stored) and authentication of a request's credentials.

Keys are 256-bit random tokens, so a plain SHA-256 suffices (no slow password hash is needed to resist
guessing) and lets a Bearer token be looked up directly by its hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from aisac.hub import tlog
from aisac.hub.audit import record
from aisac.hub.models import api_keys, grants, members
from aisac.hub.timefmt import format_ts, now_us

ROLES = ("lab", "chair", "liaison", "observer")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
DAY_US = 86_400_000_000
#: How long a member's older keys stay valid after a new one is issued (`aisac hub member key --grace-days`).
DEFAULT_GRACE_DAYS = 7.0


@dataclass(frozen=True)
class Member:
    """An authenticated member: the organisation (name), its role and its registered signing key."""

    id: int
    name: str
    role: str
    public_key: bytes | None
    signed_pushes_required: bool = False


class AuthError(Exception):
    """Credentials are missing, unknown, revoked or expired (always answered 401)."""


def hash_key(key: str) -> str:
    """The stored form of an API key."""
    return hashlib.sha256(key.encode()).hexdigest()


def add_member(
    engine: Engine,
    name: str,
    role: str,
    public_key: bytes | None = None,
    expires_days: float | None = 365,
    require_signed: bool | None = None,
) -> str:
    """Create a member and its first API key; return the key (shown once, never stored in clear).

    A member registered with a signing key must sign its pushes unless `require_signed` is False.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not _NAME.match(name):
        raise ValueError(f"member name {name!r} must match {_NAME.pattern}")
    with engine.begin() as conn:
        if conn.execute(select(members.c.id).where(members.c.name == name)).first():
            raise ValueError(f"member {name!r} already exists")
        required = public_key is not None if require_signed is None else require_signed
        member_id = conn.execute(
            insert(members).values(
                name=name,
                role=role,
                public_key=public_key,
                created_at=now_us(),
                signed_pushes_required=required,
            )
        ).inserted_primary_key[0]
        key = _new_key(conn, member_id, expires_days)
        record(
            conn, None, "member.add", name, detail=f"role={role} signing_key={'yes' if public_key else 'no'}"
        )
        detail = f"role={role} signing_key={public_key.hex() if public_key else 'none'}"
        tlog.append(conn, [tlog.Entry("member.add", name, None, name, detail)])
    return key


def new_key(
    engine: Engine, name: str, expires_days: float | None = 365, grace_days: float = DEFAULT_GRACE_DAYS
) -> str:
    """Issue another key for an existing member (rotation); its older keys expire `grace_days` from now
    (or earlier, if they already would), so clients can switch over without an outage."""
    with engine.begin() as conn:
        member_id = _member_id(conn, name)
        cutoff = now_us() + int(grace_days * DAY_US)
        conn.execute(
            update(api_keys)
            .where(
                api_keys.c.member_id == member_id,
                api_keys.c.revoked.is_(False),
                or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > cutoff),
            )
            .values(expires_at=cutoff)
        )
        key = _new_key(conn, member_id, expires_days)
        detail = f"new API key; older keys expire in {grace_days:g} days"
        record(conn, None, "member.key", name, detail=detail)
        tlog.append(conn, [tlog.Entry("member.key", name, None, name, detail)])
    return key


def list_keys(engine: Engine, name: str) -> list[dict[str, object]]:
    """A member's API keys (id, created, expiry, revoked): what `revoke_key` needs to name one."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(api_keys).where(api_keys.c.member_id == _member_id(conn, name)).order_by(api_keys.c.id)
        ).all()
    return [
        {
            "id": r.id,
            "created_at": format_ts(r.created_at),
            "expires_at": format_ts(r.expires_at) if r.expires_at is not None else None,
            "revoked": bool(r.revoked),
        }
        for r in rows
    ]


def revoke_key(engine: Engine, name: str, key_id: int | None = None) -> int:
    """Revoke one of the member's keys (by id), or all of them; return how many were revoked."""
    with engine.begin() as conn:
        q = update(api_keys).where(
            api_keys.c.member_id == _member_id(conn, name), api_keys.c.revoked.is_(False)
        )
        if key_id is not None:
            q = q.where(api_keys.c.id == key_id)
        n = conn.execute(q.values(revoked=True)).rowcount
        if key_id is not None and n == 0:
            raise ValueError(f"member {name!r} has no unrevoked key with id {key_id}")
        detail = f"key={key_id if key_id is not None else 'all'}"
        record(conn, None, "member.revoke-key", name, detail=detail)
        tlog.append(conn, [tlog.Entry("member.revoke-key", name, None, name, detail)])
    return int(n)


def remove_member(engine: Engine, name: str) -> None:
    """Remove a member: every key revoked, its grants dropped, and it never authenticates again. Its
    objects and the audit trail stay (they are the record); its name is not reused."""
    with engine.begin() as conn:
        member_id = _member_id(conn, name)
        conn.execute(update(api_keys).where(api_keys.c.member_id == member_id).values(revoked=True))
        conn.execute(delete(grants).where(grants.c.member_id == member_id))
        conn.execute(update(members).where(members.c.id == member_id).values(removed_at=now_us()))
        record(conn, None, "member.remove", name)
        tlog.append(conn, [tlog.Entry("member.remove", name, None, name, "keys revoked, grants dropped")])


def set_public_key(engine: Engine, name: str, public_key: bytes) -> None:
    """Register (or replace) a member's Ed25519 signing key; from now on its pushes must be signed."""
    with engine.begin() as conn:
        conn.execute(
            update(members)
            .where(members.c.id == _member_id(conn, name))
            .values(public_key=public_key, signed_pushes_required=True)
        )
        record(conn, None, "member.set-key", name)
        tlog.append(conn, [tlog.Entry("member.set-key", name, None, name, f"signing_key={public_key.hex()}")])


def require_signed(engine: Engine, name: str, required: bool) -> None:
    """Turn the member's signed-pushes rule on or off (on needs a registered signing key)."""
    with engine.begin() as conn:
        member_id = _member_id(conn, name)
        key = conn.execute(select(members.c.public_key).where(members.c.id == member_id)).scalar()
        if required and key is None:
            raise ValueError(f"member {name!r} has no signing key; register one with `member set-key` first")
        conn.execute(update(members).where(members.c.id == member_id).values(signed_pushes_required=required))
        record(conn, None, "member.require-signed", name, detail=f"required={required}")
        tlog.append(conn, [tlog.Entry("member.require-signed", name, None, name, f"required={required}")])


def _member_id(conn: Connection, name: str) -> int:
    row = conn.execute(
        select(members.c.id).where(members.c.name == name, members.c.removed_at.is_(None))
    ).first()
    if row is None:
        raise ValueError(f"no current member named {name!r}")
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
            members.c.signed_pushes_required,
            members.c.removed_at,
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
    if row.removed_at is not None:
        raise AuthError("member removed")
    if row.revoked:
        raise AuthError("API key revoked")
    if row.expires_at is not None and row.expires_at <= now_us():
        raise AuthError("API key expired")
    return Member(int(row.id), row.name, row.role, row.public_key, bool(row.signed_pushes_required))
