"""Fixtures: a real hub per backend (SQLite, PostgreSQL) holding a quarter of the multi-lab forum."""

from __future__ import annotations

from pathlib import Path

import pytest
from forumdata import Forum, aisac, plant

from tests.support.hubfixtures import Hub, hub, pg_server

__all__ = ["hub", "pg_server"]


@pytest.fixture(scope="session")
def forum(hub: Hub) -> tuple[Hub, Forum]:
    """The hub with the quarter's data planted once per backend."""
    return hub, plant(hub)


@pytest.fixture(scope="session")
def published(forum, tmp_path_factory) -> Path:
    """The chair's quarterly report of the planted quarter (recorded at the hub)."""
    hub, data = forum
    out = tmp_path_factory.mktemp("report")
    run = aisac(
        hub, "chair", "report", "quarterly", "--hub", hub.url, "--quarter", data.quarter.label, "--out", str(out)
    )
    assert run.returncode == 0, run.stderr
    return out
