"""pytest fixtures for the hub and its clients (imported by tests/hub and tests/intel conftest files).

The session gets one real hub process per backend (SQLite file, then a real PostgreSQL cluster) and one
member per role; tests that need a clean slate create their own collection, and members that tests add
are never labs (labs are what incident tests count).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from aisac.contract.stix import TAXII_MEDIA_TYPE
from aisac.hub.admin import add_collection
from aisac.hub.db import make_engine, migrate
from aisac.hub.members import ROLES
from tests.support.hubserver import (
    Credentials,
    HubProcess,
    Unavailable,
    create_database,
    enrol,
    postgres_cluster,
)

# name -> role; openai, anthropic and google are labs with signing keys
MEMBERS = {
    "openai": "lab",
    "anthropic": "lab",
    "google": "lab",
    "chair": "chair",
    "liaison": "liaison",
    "observer": "observer",
}


MAX_CONTENT_LENGTH = 1024 * 1024  # small, so the oversize test stays cheap


@dataclass
class Hub:
    """A running hub with its database and members."""

    url: str
    db_url: str
    engine: Engine
    process: HubProcess
    members: dict[str, Credentials]
    workdir: Path
    _clients: dict[str, httpx.Client] = field(default_factory=dict)

    def http(self, member: str) -> httpx.Client:
        """A keep-alive HTTP client authenticated as `member`, accepting TAXII 2.1 (one per member)."""
        if member not in self._clients:
            creds = self.members[member]
            self._clients[member] = httpx.Client(
                base_url=self.url,
                auth=(creds.name, creds.key),
                timeout=60,
                headers={"Accept": TAXII_MEDIA_TYPE},
            )
        return self._clients[member]

    def new_collection(self, write_roles: tuple[str, ...] = ("lab", "chair")) -> str:
        """A fresh collection every role can read and `write_roles` can write."""
        return add_collection(self.engine, f"c-{uuid.uuid4().hex[:8]}", "", ROLES, write_roles)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real PostgreSQL cluster for the session (skipped only when the binaries are absent)."""
    try:
        with postgres_cluster() as url:
            yield url
    except Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub process on 127.0.0.1 over SQLite or PostgreSQL, with one member per role."""
    workdir = tmp_path_factory.mktemp(f"hub-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{workdir / 'hub.db'}"
    else:
        db_url = create_database(request.getfixturevalue("pg_server"), f"hub_{uuid.uuid4().hex[:12]}")
    engine = make_engine(db_url)
    migrate(engine)
    members = enrol(engine, workdir, MEMBERS)
    process = HubProcess(db_url, workdir, ("--max-content-length", str(MAX_CONTENT_LENGTH))).start()
    try:
        hub_obj = Hub(process.url, db_url, engine, process, members, workdir)
        yield hub_obj
    finally:
        for client in hub_obj._clients.values():
            client.close()
        process.stop()
        engine.dispose()


def taxii_collection(hub: Hub, member: str, collection_id: str):  # type: ignore[no-untyped-def]
    """The OASIS taxii2-client view of a collection, as `member`."""
    from taxii2client.v21 import Collection

    creds = hub.members[member]
    return Collection(f"{hub.url}/forum/collections/{collection_id}/", user=creds.name, password=creds.key)
