"""Credentials: issuer keys, status lists and entries, issued credentials.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29 07:40:49.876172
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_issuer_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_slug", sa.String(length=64), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("compromised_from", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_issuer_keys")),
        sa.UniqueConstraint(
            "public_key_multibase", name=op.f("uq_credential_issuer_keys_public_key_multibase")
        ),
    )
    with op.batch_alter_table("credential_issuer_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_issuer_keys_issuer_slug"), ["issuer_slug"], unique=False
        )

    op.create_table(
        "credential_status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_slug", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('revocation', 'suspension')",
            name=op.f("ck_credential_status_lists_purpose"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_lists")),
        sa.UniqueConstraint(
            "issuer_slug",
            "purpose",
            "sequence",
            name=op.f("uq_credential_status_lists_issuer_slug_purpose_sequence"),
        ),
    )
    op.create_table(
        "credential_status_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("issuer_slug", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_credential_status_entries_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_entries")),
        sa.UniqueConstraint(
            "certificate_id", name=op.f("uq_credential_status_entries_certificate_id")
        ),
        sa.UniqueConstraint(
            "issuer_slug",
            "sequence",
            "status_index",
            name=op.f("uq_credential_status_entries_issuer_slug_sequence_status_index"),
        ),
    )
    op.create_table(
        "credentials_issued",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=64), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_credentials_issued_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials_issued")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_credentials_issued_credential_id")),
    )
    with op.batch_alter_table("credentials_issued", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credentials_issued_certificate_id"), ["certificate_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials_issued", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_issued_certificate_id"))

    op.drop_table("credentials_issued")
    op.drop_table("credential_status_entries")
    op.drop_table("credential_status_lists")
    with op.batch_alter_table("credential_issuer_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_issuer_keys_issuer_slug"))

    op.drop_table("credential_issuer_keys")
