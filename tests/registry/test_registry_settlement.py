"""Each certificate's settled status stays true to its event log, on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from certbridge.registry.models import Certificate, CertificateEvent
from certbridge.registry.service import record_event
from certbridge.registry.settlement import settle_stale
from support import Registry, assert_every_certificate_is_settled_truly


def _settled_through(session: Session, certificate_id: int) -> date | None:
    return session.scalar(
        select(Certificate.settled_through).where(Certificate.id == certificate_id)
    )


def test_the_registry_settles_what_it_writes(registry: Registry, session: Session) -> None:
    person, id_number = registry.person()
    certificate, _ = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2020, 4, 1)
    )
    assert _settled_through(session, certificate.id) == date(2020, 4, 1)
    record_event(
        session, certificate, kind="reviewed", effective_on=date(2023, 3, 20), actor="t", reason=""
    )
    record_event(
        session, certificate, kind="suspended", effective_on=date(2024, 1, 5), actor="t", reason=""
    )
    assert _settled_through(session, certificate.id) == date(2024, 1, 5)
    assert_every_certificate_is_settled_truly(session)


def test_an_event_or_a_date_change_behind_the_registrys_back_unsettles_the_certificate(
    registry: Registry, session: Session
) -> None:
    person, id_number = registry.person()
    first, _ = registry.certificate(person, id_number, "低压电工作业", issued=date(2021, 1, 4))
    second, _ = registry.certificate(person, id_number, "建筑电工", issued=date(2022, 2, 7))
    untouched, _ = registry.certificate(person, id_number, "电工", level=4)
    session.execute(
        insert(CertificateEvent).values(
            certificate_id=first.id, kind="revoked", effective_on=date(2025, 1, 1), actor="x"
        )
    )
    session.execute(
        update(Certificate).where(Certificate.id == second.id).values(valid_until=date(2030, 1, 1))
    )
    assert _settled_through(session, first.id) is None
    assert _settled_through(session, second.id) is None
    assert _settled_through(session, untouched.id) is not None

    assert settle_stale(session.connection()) == 2
    assert_every_certificate_is_settled_truly(session)
