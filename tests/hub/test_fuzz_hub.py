"""Fuzzing the hub's inputs (a real hub process, SQLite and PostgreSQL): envelopes, headers and query
strings never give a 500 or crash the hub, and the valid objects of an envelope are always kept.

AISAC_FUZZ_EXAMPLES raises the number of examples per property (CI runs the default, a short run).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stixdata import indicator

from aisac.contract.stix import LEVEL_OF_ID

EXAMPLES = int(os.environ.get("AISAC_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
TAXII = "application/taxii+json;version=2.1"
tried = {"hub": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
stamps = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}Z".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 61),
    st.sampled_from(["", ".0", ".123", ".123456789"]),
)
comparisons = st.sampled_from(
    ["[ipv4-addr:value = '203.0.113.7']", "[domain-name:value = 'x.example']", "[file:size > 5]", "[x:y", "'"]
)
patterns = st.builds(
    lambda parts, ops: "".join(p + o for p, o in zip(parts, ops, strict=False)),
    st.lists(comparisons, min_size=1, max_size=40),
    st.lists(st.sampled_from([" OR ", " AND ", " FOLLOWEDBY ", " ", ""]), min_size=40, max_size=40),
) | st.integers(400, 1500).map(lambda n: " OR ".join(["[ipv4-addr:value = '203.0.113.7']"] * n))
markings = st.lists(st.sampled_from([*LEVEL_OF_ID, f"marking-definition--{uuid.uuid4()}", 7]), max_size=3)
PROPERTIES = {
    "created": stamps | json_values,
    "modified": stamps | json_values,
    "pattern": patterns,
    "object_marking_refs": markings | json_values,
    "x_aisac_recipients": st.lists(st.sampled_from(["openai", "anthropic", "nobody"]), max_size=3) | json_values,
    "type": st.sampled_from(["indicator", "x-custom", "ipv4-addr", "marking-definition"]) | json_values,
    "spec_version": st.sampled_from(["2.1", "2.0"]) | json_values,
    "x_deep": st.integers(1, 120).map(lambda n: json.loads("[" * n + "]" * n)),
}


@st.composite
def mutated(draw) -> dict:
    """A valid indicator with some properties replaced by arbitrary or hostile values."""
    obj = indicator(draw(st.text(max_size=20)))
    for key in draw(st.lists(st.sampled_from(sorted(PROPERTIES)), max_size=4, unique=True)):
        obj[key] = draw(PROPERTIES[key])
    return obj


@pytest.fixture(scope="module")
def collection(hub):
    cid, before = hub.new_collection(), tried["hub"]
    yield cid
    print(f"\nhub fuzz ({hub.db_url.split(':')[0]}): {tried['hub'] - before} inputs tried")


def test_fuzz_envelopes_never_500_and_keep_the_valid_objects(hub, collection):
    client = hub.http("openai")

    @FUZZ
    @given(st.lists(mutated() | json_values, max_size=5))
    def check(bad: list) -> None:
        tried["hub"] += 1
        good = indicator("kept")
        r = client.post(
            f"/forum/collections/{collection}/objects/",
            content=json.dumps({"objects": [*bad, good]}),
            headers={"Content-Type": TAXII},
        )
        assert r.status_code == 202, r.text[:300]
        assert good["id"] in {s["id"] for s in r.json()["successes"]}
        got = client.get(f"/forum/collections/{collection}/objects/{good['id']}/").json()["objects"]
        assert got == [good]

    check()


texts = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40) | st.text(max_size=10)
ROUTES = [
    "/taxii2/",
    "/forum/",
    "/forum/collections/",
    "/forum/collections/{c}/",
    "/forum/collections/{c}/objects/",
    "/forum/collections/{c}/manifest/",
    "/forum/collections/{c}/objects/indicator--00000000-0000-4000-8000-000000000000/",
    "/forum/collections/{c}/objects/indicator--00000000-0000-4000-8000-000000000000/versions/",
    "/forum/status/nope/",
    "/aisac/incidents/",
    "/aisac/sla",
    "/aisac/provenance/{c}/x",
]


def test_fuzz_routes_headers_and_query_strings_never_500(hub, collection):
    client = hub.http("openai")

    @FUZZ
    @given(
        st.sampled_from(["GET", "POST"]),
        st.sampled_from(ROUTES),
        st.dictionaries(
            st.sampled_from(["limit", "next", "added_after", "match[id]", "match[type]", "match[version]"]),
            texts | stamps | st.sampled_from(["²", "0", "-1", "9" * 30, "last,first,all"]),
        ),
        st.dictionaries(
            st.sampled_from(["Accept", "Content-Type", "Authorization"]),
            st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40)
            | st.sampled_from(["Basic !!", "Basic " + "A" * 50, "Bearer ", "Bearer aisac_x"]),
        ),
        st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
    )
    def check(method: str, route: str, query: dict, headers: dict, body: bytes) -> None:
        tried["hub"] += 1
        path = route.format(c=collection)
        raw = {k: v.strip(" ").encode("latin-1") for k, v in headers.items()}  # any byte h11 lets a client send
        r = client.request(method, path, params=query, headers=raw, content=body if method == "POST" else None)
        assert r.status_code < 500, (method, path, query, headers, r.status_code, r.text[:300])

    check()
    assert hub.process.proc.poll() is None
    assert client.get("/taxii2/").status_code == 200
