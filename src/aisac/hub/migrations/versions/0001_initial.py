"""Initial hub schema: members, keys, collections, grants, submissions, objects, incidents, audit.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
US = sa.BigInteger  # microseconds since the epoch

_APPEND_ONLY_PG = """
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit is append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
_APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER audit_no_{op} BEFORE {op.upper()} ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"
    for op in ("update", "delete")
]


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=True),
        sa.Column("created_at", US, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", US, nullable=False),
        sa.Column("expires_at", US, nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("read_roles", sa.String(100), nullable=False),
        sa.Column("write_roles", sa.String(100), nullable=False),
        sa.Column("created_at", US, nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column("collection_id", sa.String(36), sa.ForeignKey("collections.id"), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("can_read", sa.Boolean, nullable=False),
        sa.Column("can_write", sa.Boolean, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("collection_id", sa.String(36), sa.ForeignKey("collections.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("received_at", US, nullable=False),
        sa.Column("total_count", sa.Integer, nullable=False),
        sa.Column("success_count", sa.Integer, nullable=False),
        sa.Column("failures", sa.Text, nullable=False),
        sa.Column("successes", sa.Text, nullable=False),
        sa.Column("signature", sa.String(100), nullable=True),
        sa.Column("signer_key", sa.LargeBinary(32), nullable=True),
        sa.Column("manifest", sa.Text, nullable=True),
    )
    op.create_table(
        "objects",
        sa.Column("pk", BigId, primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.String(36), sa.ForeignKey("collections.id"), nullable=False),
        sa.Column("stix_id", sa.String(300), nullable=False),
        sa.Column("type", sa.String(250), nullable=False),
        sa.Column("spec_version", sa.String(8), nullable=False),
        sa.Column("version", US, nullable=False),
        sa.Column("date_added", US, nullable=False),
        sa.Column("tlp", sa.SmallInteger, nullable=False),
        sa.Column("submitter_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("submission_id", sa.String(36), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("collection_id", "stix_id", "version", name="uq_objects_version"),
    )
    op.create_index("ix_objects_added", "objects", ["collection_id", "date_added", "pk"])
    op.create_index("ix_objects_type_added", "objects", ["collection_id", "type", "date_added", "pk"])
    op.create_table(
        "recipients",
        sa.Column("object_pk", sa.BigInteger, sa.ForeignKey("objects.pk"), primary_key=True),
        sa.Column("member_name", sa.String(64), primary_key=True),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("reporter_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Integer, nullable=False),
        sa.Column("confirmed_at", US, nullable=False),
        sa.Column("filed_at", US, nullable=False),
        sa.Column("deadline", US, nullable=False),
    )
    op.create_table(
        "incident_objects",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("stix_id", sa.String(300), primary_key=True),
    )
    op.create_table(
        "incident_acks",
        sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("acked_at", US, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", US, nullable=False),
        sa.Column("member", sa.String(64), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_PG)
    else:
        for statement in _APPEND_ONLY_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_no_update ON audit; DROP FUNCTION audit_append_only()")
    for table in (
        "audit",
        "incident_acks",
        "incident_objects",
        "incidents",
        "recipients",
        "objects",
        "submissions",
        "grants",
        "collections",
        "api_keys",
        "members",
    ):
        op.drop_table(table)
