"""Cancellation (注销) as its own event and state; the word an event records (暂扣, 吊销 …).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29

SQLite changes CHECK constraints by copying the table (batch mode), which drops the
table's triggers and refuses to rename while another table's trigger names it: the
triggers of 0001 (append-only history) and 0005 (settlement made stale) are dropped first
and created again as they were, with foreign keys off during the copy and checked after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("active", "suspended", "revoked", "cancelled")
KINDS = ("issued", "reviewed", "suspended", "reinstated", "revoked", "cancelled", "corrected")
WORDS = ("", "暂扣", "暂停", "撤销", "吊销", "注销")
APPEND_ONLY_MESSAGE = "certificate_events is append-only"


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    _change(STATES, KINDS, add_word=True)


def downgrade() -> None:
    # Refused by the database while a cancellation is recorded (the old CHECKs fail).
    _change(STATES[:3], tuple(k for k in KINDS if k != "cancelled"), add_word=False)


def _change(states: Sequence[str], kinds: Sequence[str], *, add_word: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _begin_sqlite_table_copy()
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_certificates_state"), type_="check")
        batch_op.create_check_constraint("state", _in("state", states))
    with op.batch_alter_table("certificate_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_certificate_events_kind"), type_="check")
        batch_op.create_check_constraint("kind", _in("kind", kinds))
        if add_word:
            batch_op.add_column(
                sa.Column("word", sa.String(length=8), server_default="", nullable=False)
            )
            batch_op.create_check_constraint("word", _in("word", WORDS))
        else:
            batch_op.drop_constraint(batch_op.f("ck_certificate_events_word"), type_="check")
            batch_op.drop_column("word")
    if sqlite:
        _end_sqlite_table_copy()


# The SQLite triggers of 0001 and 0005, as they create them.
_SQLITE_TRIGGERS = {
    "certificate_events_no_update": (
        "BEFORE UPDATE ON certificate_events BEGIN "
        f"SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    ),
    "certificate_events_no_delete": (
        "BEFORE DELETE ON certificate_events BEGIN "
        f"SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
    ),
    "certificate_events_unsettle": (
        "AFTER INSERT ON certificate_events BEGIN "
        "UPDATE certificates SET settled_through = NULL WHERE id = NEW.certificate_id; END"
    ),
    "certificates_unsettle": (
        "AFTER UPDATE OF issued_on, valid_until, scheme ON certificates BEGIN "
        "UPDATE certificates SET settled_through = NULL WHERE id = NEW.id; END"
    ),
}


def _begin_sqlite_table_copy() -> None:
    """SQLite's procedure for changing a table (lang_altertable, "other kinds of table
    schema changes"): foreign keys off while the old tables are dropped and the copies
    renamed (other tables refer to them), all in one transaction, checked at the end.

    The pragma works only outside a transaction, and the driver opens one at the first
    data statement: alembic runs each SQLite migration in its own transaction, so none is
    open yet. The migration's connection is discarded afterwards (migrations/env.py)."""
    connection = op.get_bind().connection.driver_connection
    if connection is None or connection.in_transaction:
        raise RuntimeError("0007 must start outside a transaction on SQLite")
    op.execute("PRAGMA foreign_keys = OFF")
    # A data statement opens the transaction: a failure from here on changes nothing.
    op.execute("UPDATE certificates SET state = state WHERE 0 = 1")
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _end_sqlite_table_copy() -> None:
    for name, body in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"0007 would break foreign keys: {broken[:5]}")
