"""Lookups that were whole-table scans at millions of objects.

- objects by STIX id across collections: incidents and the report check which linked ids a member may see
  (`stix_id IN (...)` with no collection), which the (collection, stix_id, version) key cannot serve;
- objects by submission: ingest reads back the rows an envelope stored to log them in the transparency log.

Revision ID: 0005_scale
"""

from __future__ import annotations

from alembic import op

revision = "0005_scale"
down_revision = "0004_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_objects_stix_id", "objects", ["stix_id"])
    op.create_index("ix_objects_submission", "objects", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_objects_submission", "objects")
    op.drop_index("ix_objects_stix_id", "objects")
