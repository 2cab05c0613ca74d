"""Schema migrations, the append-only audit table, members and keys on the command line, grants."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from stixdata import indicator

from aisac.hub.admin import add_collection, grant
from aisac.hub.models import api_keys, audit, metadata

AISAC = [sys.executable, "-c", "from aisac.cli import main; main()"]


def test_migrations_match_the_models(hub):
    with hub.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_audit_is_append_only_and_records_requests(hub):
    hub.http("liaison").get("/forum/collections/")
    with hub.engine.connect() as conn:
        rows = conn.execute(select(audit).where(audit.c.member == "liaison")).all()
    assert any(
        r.action == "request" and r.target == "GET /forum/collections/" and r.status == 200 for r in rows
    )
    for statement in ("UPDATE audit SET member = 'x'", "DELETE FROM audit"):
        with pytest.raises(DBAPIError, match="append-only"), hub.engine.begin() as conn:
            conn.execute(text(statement))


def test_member_add_prints_the_key_once_and_stores_only_its_hash(hub):
    out = subprocess.run(
        [*AISAC, "hub", "member", "add", "meta", "--role", "liaison", "--db", hub.db_url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    key = out.strip().splitlines()[-1]
    assert key.startswith("aisac_") and " " not in key
    with hub.engine.connect() as conn:
        stored = [r.key_hash for r in conn.execute(select(api_keys))]
    assert key not in stored and all(len(h) == 64 for h in stored)
    assert hub.http("openai").get("/taxii2/").status_code == 200
    import httpx

    assert httpx.get(f"{hub.url}/taxii2/", auth=("meta", key)).status_code == 200
    again = subprocess.run(
        [*AISAC, "hub", "member", "add", "meta", "--role", "liaison", "--db", hub.db_url],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = subprocess.run(
        [*AISAC, "hub", "member", "add", "x1", "--role", "admin", "--db", hub.db_url],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "role must be one of" in bad.stderr


def test_per_member_grants_on_a_private_collection(hub):
    private = add_collection(hub.engine, "private")  # no role may read or write it
    grant(hub.engine, "google", private, can_read=True, can_write=False)
    grant(hub.engine, "anthropic", private, can_read=True, can_write=True)
    body = json.dumps({"objects": [indicator("private")]})
    post = {"headers": {"Content-Type": "application/taxii+json;version=2.1"}, "content": body}
    path = f"/forum/collections/{private}/objects/"
    assert hub.http("anthropic").post(path, **post).status_code == 202
    assert hub.http("google").post(path, **post).status_code == 403
    assert len(hub.http("google").get(path).json()["objects"]) == 1
    assert hub.http("openai").get(path).status_code == 404
    listed = {c["id"] for c in hub.http("openai").get("/forum/collections/").json()["collections"]}
    assert private not in listed
