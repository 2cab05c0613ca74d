"""The typed request the guard decides on, built from a flat mapping that uses the api-log-v1 names.

Parsing is lenient by design: a gateway must never get an exception back. A request without a usable
`account.id` cannot be decided and raises `RequestError` (the guard turns it into the safe default);
a bad optional value is dropped and noted in `faults`; unknown keys are ignored and noted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aisac.logs import schema as s

#: Extension field (not in api-log-v1): the programme the account signed up through.
PATHWAY = "account.pathway"
KNOWN_FIELDS = frozenset(c.name for c in s.COLUMNS) | {PATHWAY}


class RequestError(ValueError):
    """The request cannot be decided at all (no account); names the field and the rule broken."""


@dataclass(slots=True)
class Request:
    """One API request as the gateway sees it; times are POSIX seconds (UTC)."""

    account_id: str
    time: float | None = None
    address: str | None = None
    asn: int | None = None
    payment: str | None = None
    user_agent: str | None = None
    email_domain: str | None = None
    org: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    choice_count: int | None = None
    conversation: str | None = None
    messages: str | list | None = None
    created_at: float | None = None
    country: str | None = None
    geo_country: str | None = None
    pathway: str | None = None
    faults: list[str] = field(default_factory=list)

    @property
    def jurisdiction(self) -> str | None:
        """Where the request comes from: the address's country, else the declared billing country."""
        return self.geo_country or self.country


def parse_time(value: Any) -> float:
    """POSIX seconds from an RFC 3339 string with offset, a number of seconds, or a datetime."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a time")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        dt = datetime.fromisoformat(value)
    else:
        raise TypeError(f"expected RFC 3339 string, got {type(value).__name__}")
    if dt.tzinfo is None:
        raise ValueError("time has no UTC offset")
    return dt.timestamp()


def _text(d: dict, name: str, faults: list[str]) -> str | None:
    v = d.get(name)
    if v is None or type(v) is str:
        return v
    faults.append(f"{name}: expected string, got {type(v).__name__}")
    return None


def _int(d: dict, name: str, faults: list[str], minimum: int | None = None) -> int | None:
    v = d.get(name)
    if v is None:
        return None
    if type(v) is int and (minimum is None or v >= minimum):
        return v
    rule = f"integer >= {minimum}" if minimum is not None else "integer"
    faults.append(f"{name}: expected {rule}, got {v!r}"[:160])
    return None


def _number(d: dict, name: str, faults: list[str]) -> float | None:
    v = d.get(name)
    if v is None:
        return None
    if type(v) in (int, float):
        return float(v)
    faults.append(f"{name}: expected number, got {type(v).__name__}")
    return None


def _time(d: dict, name: str, faults: list[str]) -> float | None:
    v = d.get(name)
    if v is None:
        return None
    try:
        return parse_time(v)
    except (TypeError, ValueError, OverflowError) as exc:
        faults.append(f"{name}: {exc}"[:160])
        return None


def from_mapping(d: Any) -> Request:
    """Build a Request from a flat dict keyed by api-log-v1 names; see the module docstring for leniency."""
    if not isinstance(d, dict):
        raise RequestError(f"request: expected a JSON object, got {type(d).__name__}")
    account = d.get(s.ACCOUNT)
    if type(account) is not str or not account:
        raise RequestError(f"{s.ACCOUNT}: required non-empty string, got {account!r}"[:160])
    faults: list[str] = []
    messages = d.get(s.MESSAGES)
    if messages is not None and not isinstance(messages, (str, list)):
        faults.append(f"{s.MESSAGES}: expected JSON array or string, got {type(messages).__name__}")
        messages = None
    req = Request(
        account_id=account,
        time=_time(d, s.TIME, faults),
        address=_text(d, s.ADDRESS, faults),
        asn=_int(d, s.ASN, faults),
        payment=_text(d, s.PAYMENT, faults),
        user_agent=_text(d, s.USER_AGENT, faults),
        email_domain=_text(d, s.EMAIL_DOMAIN, faults),
        org=_text(d, s.ORG, faults),
        model=_text(d, s.MODEL, faults),
        input_tokens=_int(d, s.INPUT_TOKENS, faults, 0),
        output_tokens=_int(d, s.OUTPUT_TOKENS, faults, 0),
        temperature=_number(d, s.TEMPERATURE, faults),
        max_tokens=_int(d, s.MAX_TOKENS, faults),
        choice_count=_int(d, s.CHOICE_COUNT, faults),
        conversation=_text(d, s.CONVERSATION, faults),
        messages=messages,
        created_at=_time(d, s.CREATED_AT, faults),
        country=_text(d, s.ACCOUNT_COUNTRY, faults),
        geo_country=_text(d, s.GEO_COUNTRY, faults),
        pathway=_text(d, PATHWAY, faults),
        faults=faults,
    )
    if not KNOWN_FIELDS.issuperset(d):
        unknown = sorted(k for k in d if k not in KNOWN_FIELDS)[:5]
        faults.append(f"unknown fields ignored: {', '.join(map(str, unknown))}"[:160])
    return req
