"""Who is asking: a signed session cookie (after signing in with member name and API key) or HTTP Basic.

The cookie holds the member's name, the id of the key it signed in with, an expiry and a random nonce,
signed with HMAC-SHA256 under the hub's session secret; it is HttpOnly and SameSite=Strict (Secure over
HTTPS). Every request re-checks the key, so revoking it ends the session. Forms carry a CSRF token derived
from the nonce (for Basic, from the key), checked in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass

from fastapi import Request

from aisac.hub.members import AuthError, Member, authenticate, authenticate_key_id, stored_key_id

COOKIE = "aisac_session"
SESSION_SECONDS = 8 * 3600
SECRET_ENV = "AISAC_HUB_SESSION_SECRET"


class SignInRequired(Exception):
    """No valid session or credentials: pages redirect to the sign-in form."""


class CsrfError(Exception):
    """A form came back without the sign-in session's CSRF token."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in member and the CSRF token its forms carry."""

    member: Member
    csrf: str


def secret() -> bytes:
    """The hub's session secret: AISAC_HUB_SESSION_SECRET, or random per process (sessions end on restart)."""
    configured = os.environ.get(SECRET_ENV)
    return hashlib.sha256(configured.encode()).digest() if configured else secrets.token_bytes(32)


def _mac(key: bytes, text: str) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def session_cookie(key: bytes, member: str, key_id: int) -> str:
    """A signed cookie value for a member who just signed in."""
    body = {"m": member, "k": key_id, "e": int(time.time()) + SESSION_SECONDS, "n": secrets.token_urlsafe(16)}
    text = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
    return f"{text}.{_mac(key, text)}"


def _session(key: bytes, value: str) -> dict | None:  # type: ignore[type-arg]
    text, _, mac = value.partition(".")
    if not mac or not hmac.compare_digest(mac, _mac(key, text)):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (binascii.Error, ValueError):
        return None
    ok = isinstance(body, dict) and isinstance(body.get("k"), int) and isinstance(body.get("m"), str)
    return body if ok and body.get("e", 0) > time.time() else None


def sign_in(request: Request, name: str, api_key: str) -> str:
    """Check a member's name and key; the cookie value for its session (AuthError otherwise)."""
    with request.app.state.engine.connect() as conn:
        member = authenticate(conn, name, api_key)
        return session_cookie(request.app.state.session_secret, member.name, stored_key_id(conn, api_key))


def viewer(request: Request) -> Viewer:
    """The member behind this request (cookie first, then HTTP Basic); SignInRequired otherwise."""
    key = request.app.state.session_secret
    header = request.headers.get("authorization", "")
    with request.app.state.engine.connect() as conn:
        try:
            session = _session(key, request.cookies.get(COOKIE, ""))
            if session is not None:
                member = authenticate_key_id(conn, session["m"], session["k"])
                nonce = session["n"]
            elif header.lower().startswith("basic "):
                name, _, api_key = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
                member = authenticate(conn, name, api_key)
                nonce = "basic:" + str(stored_key_id(conn, api_key))
            else:
                raise SignInRequired()
        except (AuthError, binascii.Error, UnicodeDecodeError) as exc:
            raise SignInRequired() from exc
    request.state.member = member.name
    return Viewer(member, _mac(key, "csrf|" + nonce))


def check_csrf(viewer_: Viewer, token: str | None) -> None:
    """Refuse a form post whose token is not the sign-in session's."""
    if not token or not hmac.compare_digest(token, viewer_.csrf):
        raise CsrfError("the form's CSRF token is missing or belongs to another session")
