"""Bad input at the door: each gets the right TAXII status and error body, and nothing stored is harmed."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stixdata import indicator

from aisac.contract.signing import load_private, sign_objects
from aisac.contract.stix import TAXII_MEDIA_TYPE as TAXII
from aisac.hub.members import add_member
from tests.support.hubfixtures import MAX_CONTENT_LENGTH


@pytest.fixture
def seeded(hub):
    """A collection with one object already stored, whose bytes must survive every bad request."""
    cid = hub.new_collection()
    kept = indicator("kept")
    r = hub.http("openai").post(
        f"/forum/collections/{cid}/objects/",
        content=json.dumps({"objects": [kept]}),
        headers={"Content-Type": TAXII},
    )
    assert r.status_code == 202
    return cid, kept


def _post(hub, cid, body: bytes | str, member="openai", content_type=TAXII, **headers):
    return hub.http(member).post(
        f"/forum/collections/{cid}/objects/", content=body, headers={"Content-Type": content_type, **headers}
    )


def _assert_error(response, status: int, words: str):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/taxii+json")
    body = response.json()
    assert body["http_status"] == str(status) and body["title"]
    assert words in (body["title"] + " " + body["description"]).lower(), body


def _assert_unharmed(hub, cid, kept):
    objects = hub.http("google").get(f"/forum/collections/{cid}/objects/").json()["objects"]
    assert objects == [kept]


def test_malformed_json(hub, seeded):
    cid, kept = seeded
    _assert_error(_post(hub, cid, b'{"objects": [ {"type": '), 400, "malformed json")
    _assert_error(_post(hub, cid, b"[1, 2]"), 400, "objects")
    _assert_unharmed(hub, cid, kept)


def test_wrong_media_types(hub, seeded):
    cid, kept = seeded
    body = json.dumps({"objects": [indicator("x")]})
    _assert_error(_post(hub, cid, body, content_type="application/json"), 415, "application/taxii+json")
    _assert_error(_post(hub, cid, body, content_type="application/taxii+json;version=2.0"), 415, "2.1")
    r = hub.http("openai").get(f"/forum/collections/{cid}/objects/", headers={"Accept": "application/xml"})
    _assert_error(r, 406, "not acceptable")
    _assert_unharmed(hub, cid, kept)


def test_oversize_envelope(hub, seeded):
    cid, kept = seeded
    big = [indicator(f"big{i}", description="x" * 2000) for i in range(MAX_CONTENT_LENGTH // 2000 + 1)]
    _assert_error(_post(hub, cid, json.dumps({"objects": big})), 413, "max_content_length")
    _assert_unharmed(hub, cid, kept)


def test_invalid_stix_keeps_the_good_objects_and_names_the_rule(hub, seeded):
    cid, kept = seeded
    good = indicator("good")
    no_pattern = {k: v for k, v in indicator("bad").items() if k != "pattern"}
    bad_id = dict(indicator("bad2"), id="indicator--not-a-uuid")
    r = _post(hub, cid, json.dumps({"objects": [good, no_pattern, bad_id, kept]}))
    assert r.status_code == 202
    status = r.json()
    assert (status["success_count"], status["failure_count"]) == (2, 2)
    messages = {f["id"]: f["message"] for f in status["failures"]}
    assert "pattern" in messages[no_pattern["id"]] and "required" in messages[no_pattern["id"]]
    assert "id" in messages["indicator--not-a-uuid"] and "pattern" in messages["indicator--not-a-uuid"]
    again = hub.http("openai").get(f"/forum/status/{status['id']}/").json()
    assert again["failures"] == status["failures"]
    assert hub.http("google").get(f"/forum/status/{status['id']}/").status_code == 404  # not the submitter
    names = {
        o["name"] for o in hub.http("google").get(f"/forum/collections/{cid}/objects/").json()["objects"]
    }
    assert names == {"kept", "good"}


def test_bad_signature_stores_nothing(hub, seeded):
    cid, kept = seeded
    objs = [indicator("signed")]
    forged = sign_objects(load_private(hub.members["anthropic"].signing_key), "openai", objs)  # wrong key
    _assert_error(
        _post(hub, cid, json.dumps({"objects": objs}), **{"X-Aisac-Signature": forged}), 403, "signature"
    )
    good_sig = sign_objects(load_private(hub.members["openai"].signing_key), "openai", objs)
    tampered = [dict(objs[0], name="tampered")]
    _assert_error(
        _post(hub, cid, json.dumps({"objects": tampered}), **{"X-Aisac-Signature": good_sig}),
        403,
        "does not verify",
    )
    _assert_error(
        _post(
            hub,
            cid,
            json.dumps({"objects": objs}),
            **{"X-Aisac-Signature": good_sig, "X-Aisac-Signer": "anthropic"},
        ),
        403,
        "not the authenticated member",
    )
    _assert_error(
        _post(hub, cid, json.dumps({"objects": objs}), member="chair", **{"X-Aisac-Signature": good_sig}),
        403,
        "no registered signing key",
    )
    _assert_unharmed(hub, cid, kept)


def test_unknown_collection_and_forbidden_write(hub, seeded):
    cid, _ = seeded
    _assert_error(
        _post(hub, "00000000-0000-4000-8000-000000000000", b'{"objects": []}'), 404, "unknown collection"
    )
    r = hub.http("openai").get("/forum/collections/00000000-0000-4000-8000-000000000000/objects/")
    _assert_error(r, 404, "unknown collection")
    _assert_error(
        _post(hub, cid, json.dumps({"objects": [indicator("x")]}), member="observer"), 403, "may not write"
    )


def test_unknown_and_expired_keys(hub, seeded):
    cid, kept = seeded
    import httpx

    url = f"{hub.url}/forum/collections/{cid}/objects/"
    _assert_error(httpx.get(url, auth=("openai", "aisac_wrong")), 401, "unknown api key")
    _assert_error(httpx.get(url, headers={"Authorization": "Bearer aisac_wrong"}), 401, "unknown api key")
    _assert_error(httpx.get(url), 401, "authentication required")
    other = hub.members["anthropic"].key
    _assert_error(httpx.get(url, auth=("openai", other)), 401, "unknown api key")  # someone else's key
    expired = add_member(hub.engine, "lapsed", "observer", None, expires_days=-1)
    r = httpx.get(url, auth=("lapsed", expired))
    _assert_error(r, 401, "expired")
    assert r.headers["www-authenticate"].startswith("Basic")
    ok = httpx.get(url, headers={"Authorization": f"Bearer {hub.members['google'].key}", "Accept": TAXII})
    assert ok.status_code == 200 and ok.json()["objects"] == [kept]


def test_bad_paging_and_filter_parameters(hub, seeded):
    cid, _ = seeded
    base = f"/forum/collections/{cid}/objects/"
    _assert_error(hub.http("openai").get(base, params={"next": "garbage!"}), 400, "next")
    _assert_error(hub.http("openai").get(base, params={"added_after": "yesterday"}), 400, "rfc 3339")
    _assert_error(hub.http("openai").get(base, params={"limit": "-3"}), 400, "limit")
    _assert_error(hub.http("openai").get(base, params={"match[version]": "latest"}), 400, "rfc 3339")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
            max_leaves=12,
        ).map(lambda v: json.dumps({"objects": [v]}).encode()),
    )
)
def test_arbitrary_bodies_never_cause_a_server_error(hub, seeded, body):
    cid, kept = seeded
    r = _post(hub, cid, body)
    assert r.status_code in (202, 400), r.text
    if r.status_code == 202:
        assert r.json()["success_count"] == 0
    _assert_unharmed(hub, cid, kept)
