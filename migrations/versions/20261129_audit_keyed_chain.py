"""Keyed audit chain: the key id, the salt and the digest of personal fields per event

Events written before this revision keep `key_id` NULL; `flask audit verify` names them
(see docs/audit.md, "Upgrading").

Revision ID: 7d3e1a90b4c2
Revises: 8a4c2e9f1d37
Create Date: 2026-11-29 15:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7d3e1a90b4c2"
down_revision = "8a4c2e9f1d37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("salt", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("personal_digest", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_column("personal_digest")
        batch_op.drop_column("salt")
        batch_op.drop_column("key_id")
