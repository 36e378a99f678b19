"""Audit log: Merkle leaves, stored complete subtrees, the head row, checkpoints, status

Revision ID: 9a4c2f6e8b13
Revises: 7d3e1a90b4c2
Create Date: 2026-11-29 16:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401
from sqlalchemy.dialects import postgresql

import service.extensions

revision = "9a4c2f6e8b13"
down_revision = "7d3e1a90b4c2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_log_leaves",
        sa.Column("leaf_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_reference", sa.String(length=32), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("appended_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_log_leaves")),
        sa.UniqueConstraint("case_id", "event_seq", name=op.f("uq_audit_log_leaves_case_id")),
        sa.UniqueConstraint("document_id", name=op.f("uq_audit_log_leaves_document_id")),
    )
    op.create_table(
        "audit_log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_audit_log_nodes")),
    )
    op.create_table(
        "audit_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log_head")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_checkpoints")),
    )
    with op.batch_alter_table("audit_checkpoints") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_checkpoints_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "audit_status",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_status")),
    )


def downgrade():
    op.drop_table("audit_status")
    with op.batch_alter_table("audit_checkpoints") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_checkpoints_created_at"))
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_log_head")
    op.drop_table("audit_log_nodes")
    op.drop_table("audit_log_leaves")
