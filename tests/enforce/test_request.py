"""Network input: arbitrary JSON never makes the guard raise; parsers agree with the standard library."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.enforce import Guard
from aisac.enforce.actions import OUTCOMES
from aisac.enforce.links import LinkGraph
from aisac.enforce.policy import Links
from aisac.enforce.request import RequestError, from_mapping, parse_time
from aisac.enforce.template import fingerprint, parse_messages
from aisac.logs import schema

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from([c.name for c in schema.COLUMNS] + ["account.pathway", "weird.field"])
requests = st.dictionaries(field_names, json_values, max_size=12) | json_values

GUARD = Guard()


@settings(max_examples=400, deadline=None)
@given(requests)
def test_guard_never_raises_on_arbitrary_input(raw) -> None:
    d = GUARD.decide(raw)
    assert d.outcome in OUTCOMES
    assert d.policy_version == GUARD.version


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=12), st.text(min_size=1, max_size=20))
def test_from_mapping_keeps_the_account_and_drops_only_bad_values(raw, account) -> None:
    raw = {**raw, "account.id": account}
    req = from_mapping(raw)
    assert req.account_id == account
    if isinstance(raw.get("gen_ai.usage.input_tokens"), int) and not isinstance(
        raw["gen_ai.usage.input_tokens"], bool
    ):
        assert req.input_tokens == (
            raw["gen_ai.usage.input_tokens"] if raw["gen_ai.usage.input_tokens"] >= 0 else None
        )
    for name in ("client.address", "user_agent.original", "account.payment_fingerprint"):
        if name in raw and raw[name] is not None and not isinstance(raw[name], str):
            assert any(f.startswith(name) for f in req.faults)


@pytest.mark.parametrize("raw", [{"account.id": None}, {"account.id": 3}, {"account.id": ""}, "x", [1]])
def test_request_without_account_is_rejected_with_the_field_named(raw) -> None:
    with pytest.raises(RequestError, match=r"account.id|JSON object"):
        from_mapping(raw)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_parse_time_round_trips_rfc3339(dt) -> None:
    assert parse_time(dt.isoformat().replace("+00:00", "Z")) == pytest.approx(dt.timestamp())


def test_parse_time_rejects_naive_times() -> None:
    with pytest.raises(ValueError, match="offset"):
        parse_time("2026-01-01T00:00:00")


@settings(max_examples=300)
@given(st.ip_addresses())
def test_block_matches_ipaddress(ip) -> None:
    prefix = 24 if ip.version == 4 else 48
    expected = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    assert LinkGraph(Links()).block(str(ip)) == expected


@given(st.text(max_size=20))
def test_block_of_garbage_is_none_or_a_network(text) -> None:
    b = LinkGraph(Links()).block(text)
    assert b is None or ipaddress.ip_network(b)


def _user(text: str) -> list:
    return [{"role": "user", "parts": [{"type": "text", "content": text}]}]


@given(st.text(min_size=1, max_size=40), st.integers(0, 10**6), st.integers(0, 10**6))
def test_template_fingerprint_ignores_the_slot_and_numbers(slot, a, b) -> None:
    template = "Solve this step by step, showing all of your reasoning ({n} marks): {q}"
    fp1, _, multi = fingerprint(_user(template.format(n=a, q="first question about " + slot)))
    fp2, _, _ = fingerprint(_user(template.format(n=b, q="a much longer second question on tensors " + slot)))
    assert fp1 == fp2 and multi is False


def test_template_fingerprint_tells_templates_and_turns_apart() -> None:
    a = parse_messages(
        '[{"role": "user", "parts": [{"type": "text", "content": "Translate to French: hello"}]}]'
    )
    b = parse_messages(
        '[{"role": "user", "parts": [{"type": "text", "content": "Summarise this: hello"}]},'
        ' {"role": "assistant", "parts": [{"type": "text", "content": "hi"}]}]'
    )
    assert fingerprint(a)[0] != fingerprint(b)[0]
    assert fingerprint(b)[2] is True
    assert parse_messages("{}") is None and parse_messages("not json") is None
