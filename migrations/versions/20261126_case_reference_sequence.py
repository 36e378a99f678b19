"""Case reference numbers from a sequence on PostgreSQL

Revision ID: 5b2e7d0c9a41
Revises: c1f59c591ff9
Create Date: 2026-11-26 04:45:00

"""
from alembic import op

revision = "5b2e7d0c9a41"
down_revision = "c1f59c591ff9"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite keeps the reference_counters row (one writer at a time anyway).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS case_reference_seq")
        # Continue after any number already handed out by the counter table.
        op.execute(
            "SELECT setval('case_reference_seq', GREATEST("
            "(SELECT COALESCE(MAX(last), 0) FROM reference_counters), 1), "
            "(SELECT COUNT(*) FROM reference_counters) > 0)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS case_reference_seq")
