"""The role a decision was taken in, recorded with its audit event (audit_events.actor_role)

Revision ID: 3e7b1d9c4a52
Revises: 7c41d2e9b5a3
Create Date: 2026-11-29 22:30:00

Earlier events keep NULL: their documents fall back to the actor's grants, as before.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3e7b1d9c4a52"
down_revision = "7c41d2e9b5a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_role", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("actor_role")
