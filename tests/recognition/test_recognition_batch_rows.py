"""The batch's row path gives every holder the answer the per-person path gives."""

from __future__ import annotations

import functools
import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, selectinload

from certbridge.catalog import load_catalog
from certbridge.demo.writer import write_demo
from certbridge.recognition import batch, memo, service
from certbridge.recognition.engine import Profile, jurisdiction_of
from certbridge.recognition.policy import bundled_policy_dir, load_policy
from certbridge.registry.models import Certificate, CertificateEvent, IssuingAuthority
from certbridge.registry.service import Keys
from support import GUANGDONG_SAFETY_TRAINING_ONLY

AS_OF = date(2026, 11, 29)


def _reference(
    session: Session,
    scheme: str | None,
    target: str | None,
    as_of: date = AS_OF,
    province: str | None = None,
) -> dict[int, dict]:  # type: ignore[type-arg]
    """Each person's line computed alone, from ORM objects, without any memo (in the exam
    province `province` if chosen)."""
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
        fragment, _keys = memo.summarize(held, as_of, target, compiled, province)
        where = province or jurisdiction_of(Profile(tuple(held), as_of))
        lines[person] = {"person": person, "province": where, **json.loads("{" + fragment)}
    return lines


def _batch(
    url: str,
    scheme: str | None,
    target: str | None,
    workers: int,
    as_of: date = AS_OF,
    province: str | None = None,
) -> dict[int, dict]:  # type: ignore[type-arg]
    batch.reset_caches()
    out = io.BytesIO()
    totals = batch.run_batch(
        url,
        scheme=scheme,
        as_of=as_of,
        target=target,
        out=out,
        workers=workers,
        range_size=97,
        province=province,
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


def test_a_chosen_exam_province_applies_to_every_holder_of_the_batch(
    engine: Engine,
    session: Session,
    keys: Keys,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """广东 (44) with a provision of its own, chosen for every holder, wherever their
    certificates were issued, holders in two provinces and replayed statuses included."""
    directory = tmp_path / "policy"
    shutil.copytree(bundled_policy_dir(), directory)
    (directory / "44.toml").write_text(GUANGDONG_SAFETY_TRAINING_ONLY, encoding="utf-8")
    monkeypatch.setenv("CERTBRIDGE_POLICY_DIR", str(directory))
    write_demo(engine, people=300, seed=37, anchor=AS_OF, keys=keys)
    with engine.begin() as connection:
        _move_to_another_province(connection, persons=12)
        first = connection.execute(select(func.min(Certificate.id))).scalar_one()
        connection.execute(
            insert(CertificateEvent),
            [{"certificate_id": first, "kind": "suspended", "effective_on": AS_OF, "actor": "t"}],
        )
    session.expire_all()
    expected = _reference(session, None, "construction:01", province="44")
    assert {line["province"] for line in expected.values()} == {"44"}
    exemptions = {e[1] for line in expected.values() for e in line["exemptions"]}
    assert exemptions == {"safety_training"}  # P44-1 replaces N26-1 in 广东
    assert _batch(database_url, None, "construction:01", workers=1, province="44") == expected


def test_the_batch_marks_exemptions_already_held_and_deemed_levels_below_the_best(
    registry, session: Session, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("李建国")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2024, 5, 10))
    registry.certificate(person, id_number, "建筑焊工", issued=date(2025, 3, 1))
    registry.certificate(person, id_number, "焊工", level=4, issued=date(2023, 6, 1))
    session.commit()
    batch.reset_caches()
    out = io.BytesIO()
    totals = batch.run_batch(
        database_url, scheme=None, as_of=AS_OF, target="construction:12", out=out
    )
    (line,) = [json.loads(text) for text in out.getvalue().decode().splitlines()]
    assert line["exemptions"] == [
        ["construction:12", "safety_training", ["N26-1", "N26-3"], True],
        ["construction:12", "theory_exam", ["N26-1"], True],
    ]
    assert line["deemed"] == [["6-18-02-04", 5, ["N26-2b"], 4]]
    assert totals.counts["deemed 6-18-02-04 5 superseded"] == 1
    assert totals.counts["exemption construction:12 theory_exam held"] == 1
    assert "deemed 6-18-02-04 5" not in totals.counts
