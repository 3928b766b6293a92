"""Migration 0007 on a database that holds data: every row, settlement and trigger stays."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from certbridge import migrations
from certbridge.db import make_engine

ROWS = [
    "INSERT INTO issuing_authorities (id, department, province_code, name) "
    "VALUES (1, 'mem', '35', '福建省应急管理厅')",
    "INSERT INTO persons (id, id_hash, id_masked, id_kind, id_sealed, name) "
    "VALUES (1, 'h', '3507**********171X', 'resident', :sealed, '吕宏强')",
    "INSERT INTO certificates (id, number_key, number_display, scheme, type_code, person_id, "
    "issuer_id, issued_on, valid_until, state) VALUES (1, 'k', 'T3507**********171X', "
    "'special_operation', 'special_operation:2.1', 1, 1, :issued, :until, 'suspended')",
    "INSERT INTO certificate_events (certificate_id, kind, effective_on, actor, reason, source) "
    "VALUES (1, 'issued', :issued, 't', '', ''), (1, 'suspended', :through, 't', '违章作业', '')",
    "UPDATE certificates SET settled_through = :through, settled_standing = 'suspended', "
    "settled_until = :until",
    "INSERT INTO verification_tokens (token, certificate_id) VALUES ('tok-0123456789abcdef', 1)",
]


def test_0007_keeps_rows_settlements_and_triggers_of_a_filled_database(database_url: str) -> None:
    command.downgrade(migrations.alembic_config(database_url), "0005")
    engine = make_engine(database_url)
    values = {
        "sealed": b"x",
        "issued": date(2018, 6, 30),
        "until": date(2024, 6, 30),
        "through": date(2024, 1, 10),
    }
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), values)
    engine.dispose()

    migrations.upgrade(database_url)

    engine = make_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT state, settled_through, settled_standing FROM certificates")
        ).one()
        assert (row.state, str(row.settled_through), row.settled_standing) == (
            "suspended",
            "2024-01-10",
            "suspended",
        )
        events = connection.execute(
            text("SELECT kind, reason, word FROM certificate_events ORDER BY id")
        ).all()
        assert [tuple(e) for e in events] == [("issued", "", ""), ("suspended", "违章作业", "")]
        assert connection.scalar(text("SELECT count(*) FROM verification_tokens")) == 1
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO certificate_events (certificate_id, kind, effective_on, actor, "
                "reason, source, word) VALUES (1, 'cancelled', :on, 't', '', '', '注销')"
            ),
            {"on": date(2024, 2, 1)},
        )
        connection.execute(text("UPDATE certificates SET state = 'cancelled'"))
        # The trigger of 0005 still makes the settlement stale when an event arrives.
        assert connection.scalar(text("SELECT settled_through FROM certificates")) is None
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("DELETE FROM certificate_events"))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM certificate_events")) == 3
    engine.dispose()
