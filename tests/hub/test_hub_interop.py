"""Interop with the OASIS taxii2-client: discovery, collections, add, get with paging, manifest, versions."""

from __future__ import annotations

import json
import time

from stixdata import indicator
from taxii2client.v21 import Server, as_pages

from tests.support.hubfixtures import taxii_collection


def test_discovery_and_collections_with_taxii2_client(hub):
    creds = hub.members["openai"]
    server = Server(f"{hub.url}/taxii2/", user=creds.name, password=creds.key)
    assert server.title == "aisac forum hub"
    root = server.default
    assert root.url == f"{hub.url}/forum/"
    assert "application/taxii+json;version=2.1" in root.versions
    titles = {c.title: c for c in root.collections}
    assert titles["forum"].can_read and titles["forum"].can_write
    observer = Server(f"{hub.url}/taxii2/", user="observer", password=hub.members["observer"].key).default
    forum = next(c for c in observer.collections if c.title == "forum")
    assert forum.can_read and not forum.can_write


def test_add_then_page_through_manifest_and_versions(hub):
    cid = hub.new_collection()
    col = taxii_collection(hub, "openai", cid)
    objs = [indicator(f"i{i}") for i in range(230)]
    status = col.add_objects(json.dumps({"objects": objs}))
    assert (status.status, status.success_count, status.failure_count) == ("complete", 230, 0)
    status.refresh()  # GET /forum/status/{id}/ as the submitter
    assert (status.status, status.success_count) == ("complete", 230)
    fetched = [o["id"] for env in as_pages(col.get_objects, per_request=100) for o in env.get("objects", [])]
    assert sorted(fetched) == sorted(o["id"] for o in objs)
    manifest = [m["id"] for env in as_pages(col.get_manifest, per_request=70) for m in env.get("objects", [])]
    assert sorted(manifest) == sorted(fetched)
    one = col.get_object(objs[5]["id"])["objects"]
    assert one == [objs[5]]


def test_versions_and_match_filters(hub):
    cid = hub.new_collection()
    col = taxii_collection(hub, "anthropic", cid)
    first = indicator("v1")
    second = dict(first, name="v2", modified="2030-01-01T00:00:00.000Z")
    other = indicator("other")
    col.add_objects(json.dumps({"objects": [first, other]}))
    time.sleep(0.01)
    col.add_objects(json.dumps({"objects": [second]}))
    versions = col.object_versions(first["id"])["versions"]
    assert len(versions) == 2 and versions[1].startswith("2030-01-01T00:00:00")
    assert col.get_object(first["id"])["objects"][0]["name"] == "v2"  # default: last
    assert col.get_object(first["id"], version="first")["objects"][0]["name"] == "v1"
    assert len(col.get_object(first["id"], version="all")["objects"]) == 2
    by_type = col.get_objects(type="indicator", id=other["id"])["objects"]
    assert [o["id"] for o in by_type] == [other["id"]]
    assert "objects" not in col.get_objects(type="malware")
    everything = col.get_objects()
    last_added = everything["objects"][-1]
    assert last_added["name"] == "v2"
    manifest = col.get_manifest()["objects"]
    added_first = min(m["date_added"] for m in manifest)
    newer = col.get_objects(added_after=added_first)["objects"]
    assert [o["name"] for o in newer] == ["v2"]
