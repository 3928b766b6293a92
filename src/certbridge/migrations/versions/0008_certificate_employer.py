"""聘用单位 (employer) on certificates, where the issuing department sends it.

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: SQLite adds it in place, so 0005's triggers on the table stay.
    op.add_column("certificates", sa.Column("employer", sa.String(length=120), nullable=True))


def downgrade() -> None:
    # In place too (SQLite 3.35+): a batch copy of the table would drop 0005's triggers.
    op.drop_column("certificates", "employer")
