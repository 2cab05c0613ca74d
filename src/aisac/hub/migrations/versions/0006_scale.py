"""Indexes for paging millions of objects under the TLP rule.

- recipients by member: the "named as recipient" arm of the TLP condition becomes one index range per
  request (a hashed sub-plan) instead of a probe per object.

Revision ID: 0006_scale
"""

from __future__ import annotations

from alembic import op

revision = "0006_scale"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_recipients_member", "recipients", ["member_name", "object_pk"])


def downgrade() -> None:
    op.drop_index("ix_recipients_member", "recipients")
