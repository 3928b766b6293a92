"""0008 adds certificates.employer in place: 0005's settlement triggers survive it both ways."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from certbridge import migrations
from certbridge.db import make_engine


def _state(url: str) -> tuple[bool, set[str]]:
    engine = make_engine(url)
    columns = {c["name"] for c in inspect(engine).get_columns("certificates")}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        triggers = set(connection.execute(text(query)).scalars())
    engine.dispose()
    return "employer" in columns, triggers


def test_the_employer_column_comes_and_goes_without_touching_the_settlement_triggers(
    database_url: str,
) -> None:
    has_employer, triggers = _state(database_url)
    assert has_employer
    assert {"certificate_events_unsettle", "certificates_unsettle"} <= triggers
    command.downgrade(migrations.alembic_config(database_url), "0008-1")
    assert _state(database_url) == (False, triggers)
    migrations.upgrade(database_url)
    assert _state(database_url) == (True, triggers)
