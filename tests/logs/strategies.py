"""Hypothesis strategies for valid api-log-v1 records, written as a gateway would write them (JSON objects)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from aisac.logs.checks import PATHWAY_NAME

_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=20)
_INT64 = st.integers(0, 2**63 - 1)
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_TIMES = st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1), timezones=_OFFSETS)
_COUNTRY = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)


def rfc3339(t: datetime) -> str:
    return t.isoformat(sep="T", timespec="microseconds" if t.microsecond else "seconds")


def _address(ip) -> str:
    return str(ip)


_MESSAGES = st.lists(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]),
                           "parts": st.lists(st.fixed_dictionaries({"type": st.just("text"), "content": _TEXT}),
                                             min_size=1, max_size=2)}),
    max_size=3,
).map(lambda m: json.dumps(m, ensure_ascii=False))

OPTIONAL = {
    "event.id": _TEXT,
    "account.org_id": _TEXT,
    "account.created_at": _TIMES.map(rfc3339),
    "account.payment_fingerprint": _TEXT,
    "account.country": _COUNTRY,
    "client.asn": st.integers(-(2**63), 2**63 - 1),
    "client.geo.country_iso_code": _COUNTRY,
    "user_agent.original": _TEXT,
    "gen_ai.conversation.id": _TEXT,
    "gen_ai.request.temperature": st.floats(allow_nan=False, allow_infinity=False, width=64),
    "gen_ai.request.max_tokens": st.integers(0, 2**31),
    "gen_ai.response.finish_reasons": st.sampled_from(["stop", "length", "stop,tool_calls"]),
    "gen_ai.input.messages": _MESSAGES,
    "http.response.status_code": st.sampled_from([200, 429, 500]),
    "account.pathway": st.from_regex(PATHWAY_NAME, fullmatch=True),
}


@st.composite
def records(draw) -> dict:
    """A valid record: every required column, and a random subset of the optional ones."""
    rec = {
        "time": rfc3339(draw(_TIMES)),
        "account.id": draw(_TEXT),
        "gen_ai.request.model": draw(_TEXT),
        "gen_ai.usage.input_tokens": draw(_INT64),
        "gen_ai.usage.output_tokens": draw(_INT64),
        "client.address": str(draw(st.ip_addresses())),
    }
    for name in draw(st.lists(st.sampled_from(sorted(OPTIONAL)), unique=True)):
        rec[name] = draw(OPTIONAL[name])
    return rec


def expected(rec: dict) -> dict:
    """What the reader should hold for a record: times as UTC instants, absent columns as None."""
    from aisac.logs import schema

    out = {c.name: rec.get(c.name) for c in schema.COLUMNS}
    for name in ("time", "account.created_at"):
        if out[name] is not None:
            out[name] = datetime.fromisoformat(out[name]).astimezone(UTC)
    return out
