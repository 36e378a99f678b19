"""Uploads owned by a resident or an API client (service.attachments)

Revision ID: 3d8e1f2a7b64
Revises: 5b2e7d0c9a41
Create Date: 2026-11-29 15:50:00

The table keeps its name `portal_uploads`; existing rows are residents' uploads and stay
as they are. `owner_id` becomes optional and `owner_client` names an API client; exactly
one of the two is set.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3d8e1f2a7b64"
down_revision = "5b2e7d0c9a41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("portal_uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_client", sa.String(length=64), nullable=True))
        batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_portal_uploads_owner_client"), ["owner_client"], unique=False
        )
        batch_op.create_check_constraint(
            "one_owner", "(owner_id IS NULL) <> (owner_client IS NULL)"
        )


def downgrade():
    # Clients' uploads have no resident to belong to: they go with the column.
    op.execute("DELETE FROM portal_uploads WHERE owner_id IS NULL")
    with op.batch_alter_table("portal_uploads", schema=None) as batch_op:
        batch_op.drop_constraint("one_owner", type_="check")
        batch_op.drop_index(batch_op.f("ix_portal_uploads_owner_client"))
        batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("owner_client")
