"""The forum's voice: clearances for naming actors, delivery records, labs' consent to government sharing.

Revision ID: 0003_report
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_report"
down_revision = "0002_security"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
US = sa.BigInteger  # microseconds since the epoch


def upgrade() -> None:
    op.create_table(
        "report_clearances",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("stix_id", sa.String(300), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("cleared_at", US, nullable=False),
    )
    op.create_index("ix_report_clearances_stix_id", "report_clearances", ["stix_id"])
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("delivered_at", US, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("attributions", sa.Text, nullable=False),
    )
    op.create_table(
        "member_consent",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("government", sa.Boolean, nullable=False),
        sa.Column("updated_at", US, nullable=False),
    )


def downgrade() -> None:
    for table in ("member_consent", "report_deliveries", "report_clearances"):
        op.drop_table(table)
