"""Settled status columns on certificates, made stale by triggers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("settled_through", "settled_standing", "settled_due_on", "settled_until")


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled_through", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("settled_standing", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("settled_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("settled_until", sa.Date(), nullable=True))
    _make_settlement_stale_on_change()


def _make_settlement_stale_on_change() -> None:
    """A settlement is a cache of the event log: the database itself forgets it when an
    event arrives or the dates it rests on change, so it can be missing but never wrong."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION certificates_unsettle_by_event() RETURNS trigger AS $$ BEGIN "
            "UPDATE certificates SET settled_through = NULL WHERE id = NEW.certificate_id; "
            "RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER certificate_events_unsettle AFTER INSERT ON certificate_events "
            "FOR EACH ROW EXECUTE FUNCTION certificates_unsettle_by_event()"
        )
        op.execute(
            "CREATE FUNCTION certificates_unsettle_on_change() RETURNS trigger AS $$ BEGIN "
            "NEW.settled_through := NULL; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER certificates_unsettle BEFORE UPDATE OF issued_on, valid_until, "
            "scheme ON certificates FOR EACH ROW EXECUTE FUNCTION certificates_unsettle_on_change()"
        )
        return
    op.execute(
        "CREATE TRIGGER certificate_events_unsettle AFTER INSERT ON certificate_events BEGIN "
        "UPDATE certificates SET settled_through = NULL WHERE id = NEW.certificate_id; END"
    )
    op.execute(
        "CREATE TRIGGER certificates_unsettle AFTER UPDATE OF issued_on, valid_until, scheme "
        "ON certificates BEGIN "
        "UPDATE certificates SET settled_through = NULL WHERE id = NEW.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS certificate_events_unsettle ON certificate_events")
        op.execute("DROP TRIGGER IF EXISTS certificates_unsettle ON certificates")
        op.execute("DROP FUNCTION IF EXISTS certificates_unsettle_by_event()")
        op.execute("DROP FUNCTION IF EXISTS certificates_unsettle_on_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS certificate_events_unsettle")
        op.execute("DROP TRIGGER IF EXISTS certificates_unsettle")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
