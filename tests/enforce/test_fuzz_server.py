"""Fuzzing the guard's HTTP inputs (real uvicorn): bodies, headers, paths and query strings never give a 500,
never crash the server, and never let a request whose account can be read past that account's suspension.

AISAC_FUZZ_EXAMPLES raises the number of examples per property (CI runs the default, a short run).
"""

from __future__ import annotations

import json
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisac.enforce import Guard
from aisac.enforce.appeals import AppealDesk
from aisac.enforce.server import create_app

from .helpers import ServerThread

EXAMPLES = int(os.environ.get("AISAC_FUZZ_EXAMPLES", "60"))
TOKEN = "fuzz-token"
SUSPENDED = {"action": "suspend", "rules": ["ring"], "reference": "R-1", "evidence": {}}
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
FIELDS = [
    "time",
    "client.address",
    "user_agent.original",
    "gen_ai.input.messages",
    "gen_ai.request.model",
    "gen_ai.usage.input_tokens",
    "gen_ai.request.temperature",
    "account.payment_fingerprint",
    "x.unknown",
]
tried = {"guard": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
#: Text as gateways send it: any code point, lone surrogates included (JSON writes them as \\udXXX escapes).
customer_text = st.text(st.characters(codec=None, categories=None), max_size=40)


@st.composite
def suspended_requests(draw) -> bytes:
    """A request of the suspended account with arbitrary other fields, maybe with a byte that is not UTF-8."""
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), customer_text | json_values, max_size=6))
    body = json.dumps({"account.id": "acct-bad", **fields}).encode()
    if draw(st.booleans()) and b'": "' in body[20:]:
        at = body.index(b'": "', 20) + 4  # inside the first string value after the account
        body = body[:at] + bytes(draw(st.lists(st.integers(0x80, 0xFF), min_size=1, max_size=3))) + body[at:]
    return body


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    guard = Guard()
    guard.state.record("acct-bad", SUSPENDED)
    desk = AppealDesk(tmp_path_factory.mktemp("fuzz") / "a.sqlite", guard)
    app = create_app(guard, desk, TOKEN, appeals_per_minute=1e9)
    with ServerThread(app) as srv, httpx.Client(base_url=srv.url, timeout=60) as client:
        yield srv, client
    print(f"\nguard fuzz: {tried['guard']} inputs tried")


def test_fuzz_a_readable_account_is_never_let_past_its_suspension(served) -> None:
    _, c = served

    @FUZZ
    @given(st.lists(suspended_requests(), min_size=1, max_size=4))
    def check(bodies: list[bytes]) -> None:
        tried["guard"] += len(bodies) + 1
        for body in bodies:
            d = c.post("/v1/decide", content=body).json()
            assert (d["action"], d["account_id"]) == ("suspend", "acct-bad"), body
        r = c.post("/v1/decide/batch", content=b"[" + b",".join(bodies) + b"]")
        assert r.status_code == 200
        assert [d["action"] for d in r.json()["decisions"]] == ["suspend"] * len(bodies)

    check()


paths = st.sampled_from(
    [
        "/v1/decide",
        "/v1/decide/batch",
        "/v1/appeals",
        "/v1/appeals/AP-000000000000",
        "/v1/appeals/AP-000000000000/decision",
        "/v1/appeals/false-positives",
        "/v1/accounts/acct-bad/evidence",
        "/v1/stats",
    ]
) | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30).map(lambda p: "/" + p)
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)
)


def test_fuzz_any_route_header_query_and_body_is_never_a_500(served) -> None:
    srv, c = served

    @FUZZ
    @given(
        st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
        paths,
        st.dictionaries(st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), max_size=8), header_values),
        st.dictionaries(st.sampled_from(["x-analyst-token", "content-type", "accept"]), header_values),
        bodies,
    )
    def check(method: str, path: str, query: dict, headers: dict, body: bytes) -> None:
        tried["guard"] += 1
        r = c.request(method, path, params=query, headers={k: v.strip() for k, v in headers.items()}, content=body)
        assert r.status_code < 500, (method, path, r.status_code, r.text[:200])

    check()
    assert srv.thread.is_alive()
    assert c.post("/v1/decide", json={"account.id": "acct-bad"}).json()["action"] == "suspend"
