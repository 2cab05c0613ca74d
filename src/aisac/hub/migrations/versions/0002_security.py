"""Security: removed members, signed pushes required per member, object ownership, TLP fail-closed levels.

Revision ID: 0002_security
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_security"
down_revision = "0001"
branch_labels = None
depends_on = None

US = sa.BigInteger  # microseconds since the epoch


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("signed_pushes_required", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("removed_at", US, nullable=True))
    op.create_table(
        "object_owners",
        sa.Column("stix_id", sa.String(300), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=True),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("claimed_at", US, nullable=False),
    )
    # Objects already stored belong to whoever submitted their first row.
    op.execute(
        "INSERT INTO object_owners (stix_id, member_id, shared, claimed_at) "
        "SELECT o.stix_id, o.submitter_id, FALSE, o.date_added FROM objects o "
        "WHERE o.pk = (SELECT MIN(f.pk) FROM objects f WHERE f.stix_id = o.stix_id)"
    )
    _reclassify_markings()


def _reclassify_markings() -> None:
    """Objects with markings the hub does not know were stored as GREEN; they now get the strictest level."""
    from aisac.hub.tlp import level_of  # the rule of this revision onwards

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT pk, body, tlp FROM objects WHERE body LIKE '%marking_ref%'")).all()
    for pk, body, tlp in rows:
        level = int(level_of(json.loads(body)))
        if level != tlp:
            conn.execute(sa.text("UPDATE objects SET tlp = :t WHERE pk = :pk"), {"t": level, "pk": pk})


def downgrade() -> None:
    op.drop_table("object_owners")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("removed_at")
        batch.drop_column("signed_pushes_required")
