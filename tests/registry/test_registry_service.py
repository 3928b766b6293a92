"""Registry services on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from certbridge.catalog import load_catalog
from certbridge.errors import InputError, NotFound
from certbridge.identity import parse_id_number
from certbridge.registry.models import CertificateEvent, Person
from certbridge.registry.sealing import unseal
from certbridge.registry.service import (
    NewCertificate,
    add_certificate,
    certificate_for_change,
    ensure_authority,
    ensure_person,
    find_certificates,
    record_event,
)


def test_a_person_is_stored_without_the_clear_id_number(registry, session: Session, keys) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("张伟")
    session.commit()
    row = session.execute(text("SELECT * FROM persons")).mappings().one()
    assert id_number not in " ".join(str(v) for v in row.values())
    assert row["id_masked"] == f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"
    assert unseal(person.id_sealed, keys.seal_key) == id_number


def test_a_different_name_for_a_registered_id_number_is_a_conflict_not_an_overwrite(
    registry, session: Session, keys
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("张伟")
    with pytest.raises(InputError) as refused:
        ensure_person(session, parse_id_number(id_number), "张玮", keys)
    assert refused.value.code == "person.name_conflict"
    assert session.get(Person, person.id).name == "张伟"


def test_a_certificate_number_must_fit_its_scheme(registry, session: Session, keys) -> None:  # type: ignore[no-untyped-def]
    person, _ = registry.person()
    issuer = ensure_authority(session, "mohurd", "14", "山西省")
    with pytest.raises(InputError) as refused:
        add_certificate(
            session,
            person=person,
            new=NewCertificate(
                "晋A0120080001", load_catalog().resolve_type("建筑电工"), None, date(2024, 1, 1)
            ),
            issuer=issuer,
            institution=None,
            keys=keys,
            actor="test",
        )
    assert refused.value.code.startswith("number.")


def test_a_skill_level_certificate_needs_a_level_that_agrees_with_its_number(
    registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    import random

    from certbridge.catalog import generate_number

    person, id_number = registry.person()
    level_four = generate_number("skill_level", random.Random(1), level=4, year=2024)
    with pytest.raises(InputError) as mismatch:
        registry.certificate(person, id_number, "电工", level=3, number=level_four)
    assert mismatch.value.code == "certificate.level_mismatch"
    with pytest.raises(InputError) as missing:
        registry.certificate(person, id_number, "电工", level=None, number=level_four)
    assert missing.value.code == "certificate.level_missing"


def test_the_same_number_and_type_cannot_be_registered_twice(registry, session: Session) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person()
    _, number = registry.certificate(person, id_number, "叉车司机")
    with pytest.raises(InputError) as refused:
        registry.certificate(person, id_number, "叉车司机", number=number)
    assert refused.value.code == "certificate.duplicate"


def test_one_card_number_may_hold_several_operation_items(registry, session: Session, keys) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person()
    registry.certificate(person, id_number, "叉车司机")
    registry.certificate(person, id_number, "起重机司机")
    assert len(find_certificates(session, id_number, keys)) == 2
    with pytest.raises(InputError) as refused:
        certificate_for_change(session, id_number, keys)
    assert refused.value.code == "certificate.ambiguous"
    chosen = certificate_for_change(session, id_number, keys, "起重机司机")
    assert load_catalog().types[chosen.type_code].name_zh == "起重机司机"


def test_an_unknown_number_is_not_found(session: Session, keys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        certificate_for_change(session, "S000114000001244000001", keys)


@pytest.mark.parametrize(
    ("history", "refused_kind"),
    [
        (["revoked"], "reinstated"),
        (["revoked"], "suspended"),
        ([], "reinstated"),
        (["suspended"], "reviewed"),
    ],
)
def test_status_transitions_the_current_state_does_not_allow_are_refused(
    registry, session: Session, history: list[str], refused_kind: str
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person()
    certificate, _ = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2023, 1, 1)
    )
    for kind in history:
        record_event(
            session, certificate, kind=kind, effective_on=date(2024, 1, 1), actor="t", reason="r"
        )
    with pytest.raises(InputError) as refused:
        record_event(
            session,
            certificate,
            kind=refused_kind,
            effective_on=date(2024, 2, 1),
            actor="t",
            reason="r",
        )
    assert refused.value.code == "status.transition"


def test_a_change_of_standing_dated_before_a_pending_one_is_refused(
    registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person()
    certificate, _ = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2023, 1, 1)
    )

    def change(kind: str, on: date) -> None:
        record_event(
            session,
            certificate,
            kind=kind,
            effective_on=on,
            actor="t",
            reason="r",
            today=date(2027, 12, 31),
        )

    change("suspended", date(2027, 3, 1))
    with pytest.raises(InputError) as refused:
        change("reinstated", date(2027, 2, 1))
    assert refused.value.code == "status.order"
    assert "2027-03-01" in refused.value.message
    change("reinstated", date(2027, 3, 1))
    assert certificate.state == "active"


def test_the_status_history_is_append_only_in_the_database(registry, session: Session) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person()
    registry.certificate(person, id_number, "低压电工作业")
    session.commit()
    event_id = session.query(CertificateEvent.id).scalar()
    for statement in (
        "UPDATE certificate_events SET reason = 'rewritten' WHERE id = :id",
        "DELETE FROM certificate_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement), {"id": event_id})
        session.rollback()
    assert session.get(CertificateEvent, event_id).reason == ""


@pytest.mark.parametrize(
    ("type_name", "issued", "code"),
    [
        ("电工", date(1, 1, 1), "date.before_scheme"),
        ("电工（职业资格）", date(1900, 1, 1), "date.before_scheme"),
        ("电工", date(2018, 12, 31), "date.before_scheme"),  # 职业技能等级证书 from 2019
        ("电工（职业资格）", date(2000, 5, 5), "date.before_birth"),
        ("电工（职业资格）", date(2016, 5, 5), "date.under_age"),  # 15, under 劳动法's 16
        ("低压电工作业", date(2018, 5, 5), "date.under_age"),  # 17, 特种作业 needs 18
    ],
)
def test_the_registry_refuses_an_issue_date_that_cannot_be_true(
    registry, session: Session, type_name: str, issued: date, code: str
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person(birth=date(2000, 5, 6))
    level = None if type_name == "低压电工作业" else 4
    with pytest.raises(InputError) as refused:
        registry.certificate(person, id_number, type_name, level=level, issued=issued)
    assert refused.value.code == code
    assert refused.value.field == "issued_on"


def test_the_registry_refuses_a_level_outside_one_to_five(registry, session: Session) -> None:  # type: ignore[no-untyped-def]
    import random

    from certbridge.catalog import generate_number

    person, id_number = registry.person()
    level_one = generate_number("skill_level", random.Random(1), level=1, year=2024)
    with pytest.raises(InputError) as refused:
        registry.certificate(person, id_number, "电工", level=-1, number=level_one)
    assert refused.value.code == "certificate.level_range"
