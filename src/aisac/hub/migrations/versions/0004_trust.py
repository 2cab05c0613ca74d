"""Transparency log (leaves, subtree hashes, signed checkpoints) and the PSI relay (sessions, messages).

Revision ID: 0004_trust
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_trust"
down_revision = "0003_report"
branch_labels = None
depends_on = None

US = sa.BigInteger  # microseconds since the epoch
APPEND_ONLY = ("tlog_leaves", "tlog_nodes", "tlog_checkpoints")
_PG_FUNCTION = """
CREATE FUNCTION tlog_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the transparency log is append-only'; END $$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "tlog_leaves",
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", US, nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_tlog_leaves_actor", "tlog_leaves", ["actor", "idx"])
    op.create_index("ix_tlog_leaves_subject", "tlog_leaves", ["subject", "idx"])
    op.create_table(
        "tlog_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "tlog_checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("signed_at", US, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "psi_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("opener_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("peer_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("opener_key", sa.LargeBinary(32), nullable=False),
        sa.Column("peer_key", sa.LargeBinary(32), nullable=True),
        sa.Column("created_at", US, nullable=False),
        sa.Column("expires_at", US, nullable=False),
    )
    op.create_index("ix_psi_sessions_pair", "psi_sessions", ["peer_id", "opener_id", "kind"])
    op.create_table(
        "psi_messages",
        sa.Column("session_id", sa.String(36), sa.ForeignKey("psi_sessions.id"), primary_key=True),
        sa.Column("sender_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", US, nullable=False),
        sa.Column("delivered", sa.Boolean, nullable=False),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(_PG_FUNCTION)
    for table in APPEND_ONLY:
        if postgres:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tlog_append_only()"
            )
            continue
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    if postgres:
        op.execute("DROP FUNCTION tlog_append_only()")
    for table in ("psi_messages", "psi_sessions", "tlog_checkpoints", "tlog_nodes", "tlog_leaves"):
        op.drop_table(table)
