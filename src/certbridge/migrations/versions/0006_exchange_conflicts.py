"""exchange: failed runs, name conflicts and their audit trail

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure", sa.Text(), nullable=True))
    op.create_table(
        "exchange_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("submitted_name", sa.String(length=64), nullable=False),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("applied", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_exchange_conflicts_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["exchange_runs.id"],
            name=op.f("fk_exchange_conflicts_run_id_exchange_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_conflicts")),
        sa.UniqueConstraint(
            "run_id", "row_number", name=op.f("uq_exchange_conflicts_run_id_row_number")
        ),
    )
    with op.batch_alter_table("exchange_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_conflicts_person_id"), ["person_id"], unique=False
        )
    op.create_table(
        "exchange_conflict_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conflict_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["conflict_id"],
            ["exchange_conflicts.id"],
            name=op.f("fk_exchange_conflict_events_conflict_id_exchange_conflicts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_conflict_events")),
    )
    with op.batch_alter_table("exchange_conflict_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_conflict_events_conflict_id"), ["conflict_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exchange_conflict_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_conflict_events_conflict_id"))
    op.drop_table("exchange_conflict_events")
    with op.batch_alter_table("exchange_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_conflicts_person_id"))
    op.drop_table("exchange_conflicts")
    with op.batch_alter_table("exchange_runs", schema=None) as batch_op:
        batch_op.drop_column("failure")
