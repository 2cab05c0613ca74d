"""Engine creation, migrations and serialized write transactions for SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Table, create_engine, event, insert, select, text

from aisac.hub import DEFAULT_DB_URL
from aisac.hub.models import collections
from aisac.hub.timefmt import now_us

DEFAULT_COLLECTION_TITLE = "forum"
ALL_ROLES = ("lab", "chair", "liaison", "observer")


def make_engine(url: str = DEFAULT_DB_URL) -> Engine:
    """An engine; SQLite gets WAL (readers never wait for the writer), a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=20)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision and make sure the default collection exists."""
    from alembic import command  # imported here: alembic alone takes a second to import
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("aisac.hub").joinpath("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")  # one chain of revisions: a second head is a merge mistake and fails here
    with engine.begin() as conn:
        if conn.execute(
            select(collections.c.id).where(collections.c.title == DEFAULT_COLLECTION_TITLE)
        ).first():
            return
        conn.execute(
            insert(collections).values(
                id=str(uuid.uuid4()),
                title=DEFAULT_COLLECTION_TITLE,
                description="Default forum collection: labs read and write; TLP rules apply per object.",
                read_roles=",".join(ALL_ROLES),
                write_roles="lab,chair",
                created_at=now_us(),
            )
        )


def insert_arrays(conn: Connection, table: Table, rows: list[dict[str, Any]], suffix: str = "") -> CursorResult[Any]:
    """PostgreSQL: insert `rows` in one statement, each column sent as one binary array through unnest.

    One round trip and no per-row statement or text escaping, where executemany costs tens of microseconds a
    row in the driver. `suffix` is appended (ON CONFLICT ..., RETURNING ...).
    """
    names = list(rows[0])
    arrays = ", ".join(f"%({n})b::{table.c[n].type.compile(conn.dialect)}[]" for n in names)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({arrays}) {suffix}"
    return conn.exec_driver_sql(sql, {n: [r[n] for r in rows] for n in names})


@contextmanager
def serialized(engine: Engine, key: str) -> Iterator[Connection]:
    """A write transaction that holds the lock for `key` from its first statement to commit.

    Objects get date_added inside this lock, so within a collection commits happen in date_added order and
    an incremental reader that has seen time T can never later find an object added at or before T.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
