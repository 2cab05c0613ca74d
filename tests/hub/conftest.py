"""Fixtures: a real hub process per backend (SQLite, PostgreSQL) with one member per role."""

from tests.support.hubfixtures import hub, pg_server

__all__ = ["hub", "pg_server"]
