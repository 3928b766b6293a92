"""Models and migrations agree on both databases; migrations go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from certbridge import migrations
from certbridge.db import make_engine
from certbridge.models import metadata


def test_the_migrated_database_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_migrations_downgrade_to_empty_and_upgrade_again(database_url: str) -> None:
    config = migrations.alembic_config(database_url)
    command.downgrade(config, "base")
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    assert migrations.is_up_to_date(engine)
    engine.dispose()
