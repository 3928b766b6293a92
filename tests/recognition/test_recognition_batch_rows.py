"""The batch's row path gives every holder the answer the per-person path gives."""

from __future__ import annotations

import functools
import io
import json
from datetime import date, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, selectinload

from certbridge.catalog import load_catalog
from certbridge.demo.writer import write_demo
from certbridge.recognition import batch, memo, service
from certbridge.recognition.engine import Profile, jurisdiction_of
from certbridge.recognition.policy import load_policy
from certbridge.registry.models import Certificate, CertificateEvent, IssuingAuthority
from certbridge.registry.service import Keys

AS_OF = date(2026, 11, 29)


def _reference(
    session: Session, scheme: str | None, target: str | None, as_of: date = AS_OF
) -> dict[int, dict]:  # type: ignore[type-arg]
    """Each person's line computed alone, from ORM objects, without any memo."""
    catalog = load_catalog()
    compiled = functools.partial(load_policy().in_force, as_of)
    certificates = session.scalars(
        select(Certificate)
        .options(selectinload(Certificate.events), selectinload(Certificate.issuer))
        .order_by(Certificate.person_id, Certificate.id)
    ).all()
    by_person: dict[int, list[Certificate]] = {}
    for certificate in certificates:
        by_person.setdefault(certificate.person_id, []).append(certificate)
    lines = {}
    for person, held_certificates in by_person.items():
        if scheme and all(c.scheme != scheme for c in held_certificates):
            continue
        held = [service.held_from_certificate(c, as_of, catalog) for c in held_certificates]
        fragment, _keys = memo.summarize(held, as_of, target, compiled)
        province = jurisdiction_of(Profile(tuple(held), as_of))
        lines[person] = {"person": person, "province": province, **json.loads("{" + fragment)}
    return lines


def _batch(
    url: str, scheme: str | None, target: str | None, workers: int, as_of: date = AS_OF
) -> dict[int, dict]:  # type: ignore[type-arg]
    batch.reset_caches()
    out = io.BytesIO()
    totals = batch.run_batch(
        url, scheme=scheme, as_of=as_of, target=target, out=out, workers=workers, range_size=97
    )
    lines = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert totals.persons == len(lines)
    return {line["person"]: line for line in lines}


def test_every_holder_gets_the_answer_computed_for_them_alone(
    engine: Engine, session: Session, keys: Keys, database_url: str
) -> None:
    write_demo(engine, people=600, seed=23, anchor=AS_OF, keys=keys)
    # Events written behind the registry's back leave their certificates unsettled (the
    # triggers see to it); the batch must replay those logs, not trust a stale settlement.
    with engine.begin() as connection:
        ids = connection.execute(select(Certificate.id).order_by(Certificate.id)).scalars().all()
        connection.execute(
            insert(CertificateEvent),
            [
                {"certificate_id": i, "kind": kind, "effective_on": on, "actor": "t", "reason": ""}
                for i, kind, on in [
                    (ids[3], "revoked", AS_OF - timedelta(days=1)),
                    (ids[40], "suspended", AS_OF),
                    (ids[41], "revoked", AS_OF + timedelta(days=1)),  # after the as-of date
                ]
            ],
        )
        unsettled = connection.execute(
            select(Certificate.id).where(Certificate.settled_through.is_(None))
        ).scalars()
        assert set(unsettled) == {ids[3], ids[40], ids[41]}
        # Holders with certificates from two provinces: only the counting ones say where
        # the holder is, which the batch must work out from their rows.
        _move_to_another_province(connection, persons=12)
    session.expire_all()
    assert _batch(database_url, None, None, workers=1) == _reference(session, None, None)


def _move_to_another_province(connection: Connection, persons: int) -> None:
    issuers = connection.execute(select(IssuingAuthority.id, IssuingAuthority.province_code)).all()
    held = connection.execute(
        select(Certificate.person_id, func.min(Certificate.id))
        .group_by(Certificate.person_id)
        .having(func.count() > 1)
        .order_by(Certificate.person_id)
        .limit(persons)
    ).all()
    assert len(held) == persons
    for _person, certificate_id in held:
        province = connection.execute(
            select(IssuingAuthority.province_code)
            .join(Certificate, Certificate.issuer_id == IssuingAuthority.id)
            .where(Certificate.id == certificate_id)
        ).scalar_one()
        elsewhere = next(i for i, p in issuers if p != province)
        connection.execute(
            update(Certificate).where(Certificate.id == certificate_id).values(issuer_id=elsewhere)
        )


def test_a_scheme_and_a_target_narrow_the_batch_as_they_narrow_the_reference(
    engine: Engine, session: Session, keys: Keys, database_url: str
) -> None:
    write_demo(engine, people=300, seed=29, anchor=AS_OF, keys=keys)
    scheme, target = "special_operation", "construction:01"
    expected = _reference(session, scheme, target)
    assert 0 < len(expected) < 300
    assert _batch(database_url, scheme, target, workers=2) == expected


def test_an_earlier_as_of_date_replays_the_logs_it_precedes_and_agrees(
    engine: Engine, session: Session, keys: Keys, database_url: str
) -> None:
    write_demo(engine, people=200, seed=31, anchor=AS_OF, keys=keys)
    earlier = AS_OF - timedelta(days=900)  # before many issues, reviews and revocations
    with engine.connect() as connection:
        later = connection.execute(
            select(func.count()).where(Certificate.settled_through > earlier)
        ).scalar_one()
    assert later > 0  # so those holders are answered from their replayed logs
    assert _batch(database_url, None, None, workers=1, as_of=earlier) == _reference(
        session, None, None, earlier
    )
