"""API clients: the identity providers whose residents a client may open cases for

Revision ID: 8a4c2e9f1d37
Revises: ec15af987c29
Create Date: 2026-11-29 16:05:00

Existing clients get an empty list: their own namespace `api:<client_id>` only.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "8a4c2e9f1d37"
down_revision = "ec15af987c29"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "applicant_issuers",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_column("applicant_issuers")
