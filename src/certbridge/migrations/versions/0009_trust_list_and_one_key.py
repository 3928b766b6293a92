"""Credentials: the published trust lists of issuers, and one key in use per issuer.

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_KEY = sa.text("retired_at IS NULL AND compromised_from IS NULL")


def upgrade() -> None:
    op.create_table(
        "credential_issuers",
        sa.Column("issuer_slug", sa.String(length=64), nullable=False),
        sa.Column("key_changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_slug", name=op.f("pk_credential_issuers")),
    )
    op.create_table(
        "credential_trust_lists",
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("root_key", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_credential_trust_lists")),
    )
    # Concurrent first issuances may have left several keys in use for one issuer: keep
    # the newest in use and retire the others (they stay listed, so what they signed
    # still verifies), then let the database refuse a second key in use.
    op.execute(
        "UPDATE credential_issuer_keys SET retired_at = CURRENT_TIMESTAMP "
        "WHERE retired_at IS NULL AND compromised_from IS NULL AND id NOT IN ("
        "SELECT MAX(id) FROM credential_issuer_keys "
        "WHERE retired_at IS NULL AND compromised_from IS NULL GROUP BY issuer_slug)"
    )
    op.execute(
        "INSERT INTO credential_issuers (issuer_slug, key_changes) "
        "SELECT DISTINCT issuer_slug, 0 FROM credential_issuer_keys"
    )
    with op.batch_alter_table("credential_issuer_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_credential_issuer_keys_in_use",
            ["issuer_slug"],
            unique=True,
            sqlite_where=ACTIVE_KEY,
            postgresql_where=ACTIVE_KEY,
        )


def downgrade() -> None:
    with op.batch_alter_table("credential_issuer_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_credential_issuer_keys_in_use")
    op.drop_table("credential_trust_lists")
    op.drop_table("credential_issuers")
