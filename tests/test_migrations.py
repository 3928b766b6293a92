"""Models and migrations agree on both databases; migrations go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, update
from sqlalchemy.orm import Session

from certbridge import migrations
from certbridge.db import make_engine
from certbridge.identity import mask_id_number
from certbridge.models import metadata
from certbridge.registry.models import Certificate
from support import Registry


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


def test_0010_re_masks_special_equipment_numbers_stored_with_a_digit_too_many(
    database_url: str, session: Session, registry: Registry
) -> None:
    """Issue 10.12: stored 特种设备 displays kept five leading digits of the ID number."""
    person, id_number = registry.person("王涵芳")
    certificate, _ = registry.certificate(person, id_number, "工业锅炉司炉")
    other, _ = registry.certificate(person, id_number, "低压电工作业")
    session.commit()
    leaky = id_number[:5] + "*" * 9 + id_number[-4:]
    session.execute(
        update(Certificate).where(Certificate.id == certificate.id).values(number_display=leaky)
    )
    session.commit()
    config = migrations.alembic_config(database_url)
    command.downgrade(config, "0010-1")
    command.upgrade(config, "head")
    session.expire_all()
    assert session.get(Certificate, certificate.id).number_display == mask_id_number(id_number)  # type: ignore[union-attr]
    assert session.get(Certificate, other.id).number_display == "T" + mask_id_number(id_number)  # type: ignore[union-attr]
