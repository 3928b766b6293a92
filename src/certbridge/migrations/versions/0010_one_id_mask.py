"""特种设备 certificate numbers masked as the holder's ID number is (issue 10, item 12).

Earlier releases masked every number that embeds an ID number after its first character,
which for 特种设备 (the number is the ID number itself) kept five leading digits:
34082*********1094 beside the holder's 3408**********1094. Stored displays are re-masked;
the digit they showed is hidden, so there is nothing to restore on downgrade.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The scheme is named as the catalog named it at this revision (number_format
    # id_number_18): a migration must not change with later catalog data.
    op.execute(
        "UPDATE certificates SET number_display = "
        "substr(number_display, 1, 4) || '**********' || substr(number_display, 15, 4) "
        "WHERE scheme = 'special_equipment' AND length(number_display) = 18 "
        "AND substr(number_display, 5, 1) <> '*' "
        "AND substr(number_display, 6, 9) = '*********'"
    )


def downgrade() -> None:
    """Nothing to undo: the re-masked digit is not stored anywhere."""
