"""Wallet credentials: offers, issued credentials, status lists, nonces, presentation requests

Revision ID: ec15af987c29
Revises: 3d8e1f2a7b64
Create Date: 2026-11-29 15:56:09

Five new tables (service.credentials); nothing existing changes, so the downgrade drops
them and with them every record of issued credentials and their revocation bits.
"""

from alembic import op
import sqlalchemy as sa

import service.extensions
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "ec15af987c29"
down_revision = "3d8e1f2a7b64"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credential_status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_lists")),
    )
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("credential_key", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=43), nullable=False),
        sa.Column("requested_by", sa.String(length=160), nullable=False),
        sa.Column("created_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", service.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_requests")),
    )
    op.create_table(
        "wallet_nonces",
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", service.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("value_hash", name=op.f("pk_wallet_nonces")),
    )
    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_nonces_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "credential_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", service.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", service.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issued_at", service.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_credential_offers_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_offers")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_credential_offers_code_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_credential_offers_token_hash")),
    )
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credential_offers_case_id"), ["case_id"], unique=False)

    op.create_table(
        "issued_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=64), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_from", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", service.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", service.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_issued_credentials_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["credential_status_lists.id"],
            name=op.f("fk_issued_credentials_status_list_id_credential_status_lists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_credentials")),
        sa.UniqueConstraint(
            "status_list_id", "status_index", name=op.f("uq_issued_credentials_status_list_id")
        ),
    )
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_credentials_case_id"), ["case_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credentials_case_id"))

    op.drop_table("issued_credentials")
    with op.batch_alter_table("credential_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_offers_case_id"))

    op.drop_table("credential_offers")
    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_nonces_expires_at"))

    op.drop_table("wallet_nonces")
    op.drop_table("presentation_requests")
    op.drop_table("credential_status_lists")
