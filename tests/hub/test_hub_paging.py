"""Paging: a stateless cursor that survives a server restart and breaks ties on date_added."""

from __future__ import annotations

import json

from stixdata import indicator
from taxii2client.v21 import Collection

from tests.support.hubfixtures import taxii_collection
from tests.support.hubserver import HubProcess


def test_paging_survives_restarts_between_pages_with_ties(hub):
    cid = hub.new_collection()
    col = taxii_collection(hub, "openai", cid)
    first = [indicator(f"a{i}") for i in range(250)]  # one envelope: 250 objects share one date_added
    second = [indicator(f"b{i}") for i in range(60)]
    col.add_objects(json.dumps({"objects": first}))
    col.add_objects(json.dumps({"objects": second}))
    seen, pages, cursor = [], 0, None
    while True:
        envelope = col.get_objects(limit=100, next=cursor) if cursor else col.get_objects(limit=100)
        seen += [o["id"] for o in envelope.get("objects", [])]
        pages += 1
        if not envelope["more"]:
            break
        cursor = envelope["next"]
        hub.process.restart()  # nothing in memory survives: the cursor alone must carry the position
    assert pages == 4
    assert len(seen) == len(set(seen)) == 310
    assert set(seen) == {o["id"] for o in first + second}
    dates = [m["date_added"] for m in col.get_manifest(limit=1000)["objects"]]
    assert len(set(dates)) == 2  # the ties really were there


def test_manifest_paging_matches_objects_and_headers(hub):
    cid = hub.new_collection()
    col = taxii_collection(hub, "google", cid)
    col.add_objects(json.dumps({"objects": [indicator(f"m{i}") for i in range(30)]}))
    r = hub.http("google").get(f"/forum/collections/{cid}/manifest/", params={"limit": 7})
    body = r.json()
    assert body["more"] and len(body["objects"]) == 7
    assert r.headers["X-TAXII-Date-Added-First"] == body["objects"][0]["date_added"]
    assert r.headers["X-TAXII-Date-Added-Last"] == body["objects"][-1]["date_added"]
    rest = hub.http("google").get(
        f"/forum/collections/{cid}/manifest/", params={"limit": 100, "next": body["next"]}
    )
    ids = [m["id"] for m in body["objects"] + rest.json()["objects"]]
    assert len(ids) == len(set(ids)) == 30


def test_a_cursor_from_one_hub_process_works_on_another(hub):
    cid = hub.new_collection()
    col = taxii_collection(hub, "openai", cid)
    col.add_objects(json.dumps({"objects": [indicator(f"p{i}") for i in range(150)]}))
    first = col.get_objects(limit=100)
    other = HubProcess(hub.db_url, hub.workdir).start()  # a second process on the same database
    try:
        creds = hub.members["openai"]
        rest = Collection(f"{other.url}/forum/collections/{cid}/", user=creds.name, password=creds.key)
        second = rest.get_objects(limit=100, next=first["next"])
    finally:
        other.stop()
    ids = [o["id"] for o in first["objects"] + second["objects"]]
    assert not second["more"] and len(ids) == len(set(ids)) == 150
