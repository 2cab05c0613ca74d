"""The hub's tables (SQLAlchemy Core). Alembic's migrations create them; a test checks both agree.

Times are integer microseconds since the epoch (see timefmt); an object's visibility inputs (TLP level,
submitter, named recipients) are columns so that access is decided in SQL and paging never leaks.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("public_key", LargeBinary(32), nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

collections = Table(
    "collections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("read_roles", String(100), nullable=False, default=""),
    Column("write_roles", String(100), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("collection_id", String(36), ForeignKey("collections.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("collection_id", String(36), ForeignKey("collections.id"), nullable=False),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failures", Text, nullable=False),
    Column("successes", Text, nullable=False),
    Column("signature", String(100), nullable=True),
    Column("signer_key", LargeBinary(32), nullable=True),
    Column("manifest", Text, nullable=True),
)

objects = Table(
    "objects",
    metadata,
    Column("pk", BigId, primary_key=True, autoincrement=True),
    Column("collection_id", String(36), ForeignKey("collections.id"), nullable=False),
    Column("stix_id", String(300), nullable=False),
    Column("type", String(250), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("date_added", BigInteger, nullable=False),
    Column("tlp", SmallInteger, nullable=False),
    Column("submitter_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("submission_id", String(36), ForeignKey("submissions.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("collection_id", "stix_id", "version", name="uq_objects_version"),
    Index("ix_objects_added", "collection_id", "date_added", "pk"),
    Index("ix_objects_type_added", "collection_id", "type", "date_added", "pk"),
)

recipients = Table(
    "recipients",
    metadata,
    Column("object_pk", BigInteger, ForeignKey("objects.pk"), primary_key=True),
    Column("member_name", String(64), primary_key=True),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("title", String(300), nullable=False),
    Column("reporter_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("confidence", Integer, nullable=False),
    Column("confirmed_at", BigInteger, nullable=False),
    Column("filed_at", BigInteger, nullable=False),
    Column("deadline", BigInteger, nullable=False),
)

incident_objects = Table(
    "incident_objects",
    metadata,
    Column("incident_id", String(36), ForeignKey("incidents.id"), primary_key=True),
    Column("stix_id", String(300), primary_key=True),
)

incident_acks = Table(
    "incident_acks",
    metadata,
    Column("incident_id", String(36), ForeignKey("incidents.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("acked_at", BigInteger, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("member", String(64), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", String(300), nullable=False, default=""),
    Column("status", Integer, nullable=True),
    Column("detail", Text, nullable=False, default=""),
)

# The forum's voice (aisac.report): which intrusion sets a liaison cleared for public naming, what the forum
# delivered (public reports, agency exports) with the hash of what was sent, and each lab's consent to
# government sharing (absent means no: sharing fails closed).
report_clearances = Table(
    "report_clearances",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("stix_id", String(300), nullable=False, index=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("cleared_at", BigInteger, nullable=False),
)

report_deliveries = Table(
    "report_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("label", String(100), nullable=False),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("delivered_at", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("attributions", Text, nullable=False),
)

member_consent = Table(
    "member_consent",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("government", Boolean, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Transparency log (docs/hub.md): leaves in order, the hash of every complete perfect subtree (level 0 = the
# leaf hashes) so appends and proofs never rehash the tree, and the signed checkpoints.
tlog_leaves = Table(
    "tlog_leaves",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("at", BigInteger, nullable=False),
    Column("actor", String(64), nullable=True),
    Column("subject", String(64), nullable=True),
    Column("action", String(40), nullable=False),
    Column("target", String(300), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_tlog_leaves_actor", "actor", "idx"),
    Index("ix_tlog_leaves_subject", "subject", "idx"),
)

tlog_nodes = Table(
    "tlog_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

tlog_checkpoints = Table(
    "tlog_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("signed_at", BigInteger, nullable=False),
    Column("note", Text, nullable=False),
)

# PSI relay: a session between two labs and the opaque (peer-encrypted) messages they exchange.
psi_sessions = Table(
    "psi_sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("opener_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("peer_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("opener_key", LargeBinary(32), nullable=False),
    Column("peer_key", LargeBinary(32), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_psi_sessions_pair", "peer_id", "opener_id", "kind"),
)

psi_messages = Table(
    "psi_messages",
    metadata,
    Column("session_id", String(36), ForeignKey("psi_sessions.id"), primary_key=True),
    Column("sender_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("name", String(40), primary_key=True),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("delivered", Boolean, nullable=False),
)

# Security additions (migration 0002_security): removed members and the per-member signed-push rule, and who
# owns each object id (see ownership.py).
members.append_column(Column("signed_pushes_required", Boolean, nullable=False, default=False))
members.append_column(Column("removed_at", BigInteger, nullable=True))

object_owners = Table(
    "object_owners",
    metadata,
    Column("stix_id", String(300), primary_key=True),
    # NULL: the working group's object, versioned by chairs
    Column("member_id", Integer, ForeignKey("members.id"), nullable=True),
    Column("shared", Boolean, nullable=False),
    Column("claimed_at", BigInteger, nullable=False),
)

# Migration 0005_scale: linked-object checks by STIX id across collections (incidents, report), and the rows
# of one submission (read back by ingest for the transparency log).
Index("ix_objects_stix_id", objects.c.stix_id)
Index("ix_objects_submission", objects.c.submission_id)
