"""Fixtures: a real hub process per backend (SQLite, PostgreSQL) with one member per role."""

from aisac.hub.testing import hub, pg_server

__all__ = ["hub", "pg_server"]
