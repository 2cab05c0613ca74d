"""The TLP access matrix: every marking read as every role, through every way an object can show."""

from __future__ import annotations

import json

import httpx
import pytest
import stix2
from stixdata import indicator, recipients

from aisac.contract.stix import TLP2_IDS, Tlp
from tests.support.hubfixtures import taxii_collection

EVERYONE = {"openai", "anthropic", "google", "chair", "liaison", "observer"}
COMMUNITY = EVERYONE - {"observer"}
MEMBER_ORGS = {"openai", "anthropic", "google", "chair"}

# marking name -> (object_marking_refs, named recipients, who may read it). openai submits everything.
MATRIX = {
    "clear": ([TLP2_IDS[Tlp.CLEAR]], [], EVERYONE),
    "white-tlp1": ([stix2.TLP_WHITE.id], [], EVERYONE),
    "green": ([TLP2_IDS[Tlp.GREEN]], [], COMMUNITY),
    "green-tlp1": ([stix2.TLP_GREEN.id], [], COMMUNITY),
    "unmarked": ([], [], COMMUNITY),
    "amber": ([TLP2_IDS[Tlp.AMBER]], [], MEMBER_ORGS),
    "amber-tlp1": ([stix2.TLP_AMBER.id], [], MEMBER_ORGS),
    "amber-named-observer": ([TLP2_IDS[Tlp.AMBER]], ["observer"], MEMBER_ORGS | {"observer"}),
    "amber+strict": ([TLP2_IDS[Tlp.AMBER_STRICT]], [], {"openai"}),
    "amber+strict-named": ([TLP2_IDS[Tlp.AMBER_STRICT]], ["anthropic"], {"openai", "anthropic"}),
    "red": ([TLP2_IDS[Tlp.RED]], [], {"openai"}),
    "red-tlp1": ([stix2.TLP_RED.id], [], {"openai"}),
    "red-named": ([TLP2_IDS[Tlp.RED]], ["anthropic", "liaison"], {"openai", "anthropic", "liaison"}),
    "green-and-red": ([TLP2_IDS[Tlp.GREEN], TLP2_IDS[Tlp.RED]], [], {"openai"}),
}


@pytest.fixture(scope="module")
def marked(hub):
    """One collection holding one object per marking, submitted (signed) by openai."""
    cid = hub.new_collection()
    objs = {
        name: indicator(name, markings, **recipients(names)) for name, (markings, names, _) in MATRIX.items()
    }
    status = taxii_collection(hub, "openai", cid).add_objects(json.dumps({"objects": list(objs.values())}))
    assert status.success_count == len(MATRIX), status.failures
    return cid, objs


def _get(hub, member: str, path: str, **params) -> httpx.Response:
    return hub.http(member).get(path, params=params)


@pytest.mark.parametrize("reader", sorted(EVERYONE))
def test_every_marking_as_every_role(hub, marked, reader):
    cid, objs = marked
    base = f"/forum/collections/{cid}"
    expected = {name for name, (_, _, readers) in MATRIX.items() if reader in readers}
    listed = {o["name"] for o in _get(hub, reader, f"{base}/objects/", limit=1000).json().get("objects", [])}
    assert listed == expected
    in_manifest = {m["id"] for m in _get(hub, reader, f"{base}/manifest/").json().get("objects", [])}
    assert in_manifest == {objs[n]["id"] for n in expected}
    for name, obj in objs.items():
        want = 200 if name in expected else 404
        assert _get(hub, reader, f"{base}/objects/{obj['id']}/").status_code == want, (name, "object")
        assert _get(hub, reader, f"{base}/objects/{obj['id']}/versions/").status_code == want, (
            name,
            "versions",
        )
        assert _get(hub, reader, f"/aisac/provenance/{cid}/{obj['id']}").status_code == want, (
            name,
            "provenance",
        )
        by_id = _get(hub, reader, f"{base}/objects/", **{"match[id]": obj["id"]}).json()
        assert len(by_id.get("objects", [])) == (name in expected), (name, "match[id]")


def test_a_hidden_newer_version_does_not_show(hub):
    cid = hub.new_collection()
    green = indicator("shared", [TLP2_IDS[Tlp.GREEN]])
    red = dict(
        green, name="secret", modified="2031-01-01T00:00:00.000Z", object_marking_refs=[TLP2_IDS[Tlp.RED]]
    )
    taxii_collection(hub, "openai", cid).add_objects(json.dumps({"objects": [green, red]}))
    base = f"/forum/collections/{cid}/objects/{green['id']}"
    google = _get(hub, "google", f"{base}/").json()["objects"]
    assert [o["name"] for o in google] == ["shared"]
    assert len(_get(hub, "google", f"{base}/versions/").json()["versions"]) == 1
    assert [o["name"] for o in _get(hub, "openai", f"{base}/").json()["objects"]] == ["secret"]
    assert len(_get(hub, "openai", f"{base}/versions/").json()["versions"]) == 2


def test_resubmitting_a_red_object_does_not_widen_access(hub):
    cid = hub.new_collection()
    red = indicator("red-original", [TLP2_IDS[Tlp.RED]])
    taxii_collection(hub, "openai", cid).add_objects(json.dumps({"objects": [red]}))
    widened = dict(red, **recipients(["google"]))  # same id and version, now naming google
    taxii_collection(hub, "anthropic", cid).add_objects(json.dumps({"objects": [widened]}))
    assert _get(hub, "google", f"/forum/collections/{cid}/objects/{red['id']}/").status_code == 404
