"""Paging: a stateless cursor that survives a server restart and breaks ties on date_added."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from stixdata import indicator
from taxii2client.v21 import Collection

from aisac.hub.cursor import encode
from aisac.hub.members import Member
from aisac.hub.models import members, objects
from aisac.hub.store import Filters, after, query
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


def test_a_page_after_a_cursor_seeks_and_probes_recipients_per_row(hub):
    """The plan shape that keeps pages flat at millions of objects (docs/hub.md, "Ten million objects")."""
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plan")
    cid = hub.new_collection()
    taxii_collection(hub, "openai", cid).add_objects(json.dumps({"objects": [indicator(f"p{i}") for i in range(5)]}))
    with hub.engine.connect() as conn:
        member = conn.execute(select(members).where(members.c.name == "liaison")).one()
        q = after(
            query(Member(member.id, member.name, member.role, None), cid, Filters(), [objects.c.body]), encode(1, 0)
        )
        sql = str(q.limit(101).compile(conn, compile_kwargs={"literal_binds": True}))
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a five-row table would be read whole
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert "Index Cond" in plan and "ROW(date_added, pk) > ROW" in plan  # the cursor is an index range
    assert "hashed SubPlan" not in plan  # recipients probed per candidate row, not hashed whole
