"""Alembic environment: the connection comes from `aisac.hub.db.migrate` via config attributes."""

from __future__ import annotations

from alembic import context

from aisac.hub.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
