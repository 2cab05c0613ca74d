"""Alembic migrations of the hub database (run by `aisac hub serve` and `aisac hub migrate`)."""
