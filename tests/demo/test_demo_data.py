"""Synthetic demo data: reproducible, valid, varied."""

from __future__ import annotations

from datetime import date
from itertools import islice

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from certbridge.catalog import load_catalog, validate_number
from certbridge.demo.plan import plan_demo
from certbridge.demo.writer import write_demo
from certbridge.errors import InputError
from certbridge.identity import parse_id_number
from certbridge.query.service import certificates_of_person
from certbridge.registry.models import Certificate, Person
from support import assert_every_certificate_is_settled_truly

ANCHOR = date(2026, 11, 29)


def _people(seed: int, count: int = 300) -> list:  # type: ignore[type-arg]
    _, people = plan_demo(load_catalog(), people=count, seed=seed, anchor=ANCHOR)
    return list(people)


def test_the_same_seed_and_anchor_give_the_same_people() -> None:
    first, second = _people(7), _people(7)
    assert [(p.name, p.id_number, [c.number for c in p.certificates]) for p in first] == [
        (p.name, p.id_number, [c.number for c in p.certificates]) for p in second
    ]
    assert [p.id_number for p in _people(8)] != [p.id_number for p in first]


def test_every_generated_id_number_and_certificate_number_is_valid_and_unique() -> None:
    people = _people(11, 1000)
    assert len({p.id_number for p in people}) == len(people)
    keys = set()
    for person in people:
        parsed = parse_id_number(person.id_number, today=ANCHOR)
        assert parsed.kind != "resident" or parsed.address_code[-2:] != "00"
        for cert in person.certificates:
            validate_number(cert.type.scheme, cert.number)
            keys.add((cert.number, cert.type.code))
            assert cert.issued_on <= ANCHOR
            assert (cert.issued_on - parsed.birth_date).days >= 18 * 365
    assert len(keys) == sum(len(p.certificates) for p in people)


def test_holders_span_every_scheme_and_several_certificates() -> None:
    people = _people(3, 2000)
    schemes = {c.type.scheme for p in people for c in p.certificates}
    assert schemes == {
        "skill_level",
        "qualification",
        "special_operation",
        "construction",
        "special_equipment",
    }
    assert any(len({c.type.scheme for c in p.certificates}) >= 3 for p in people)
    assert any(e.kind == "revoked" for p in people for c in p.certificates for e in c.events)


def test_the_written_demo_matches_its_plan_and_its_samples_can_be_queried(
    engine: Engine, session: Session, keys
) -> None:  # type: ignore[no-untyped-def]
    summary = write_demo(engine, people=1500, seed=5, anchor=ANCHOR, keys=keys)
    assert session.scalar(select(func.count()).select_from(Person)) == 1500
    assert session.scalar(select(func.count()).select_from(Certificate)) == summary.certificates
    planned = list(islice(plan_demo(load_catalog(), people=1500, seed=5, anchor=ANCHOR)[1], 1500))
    assert summary.certificates == sum(len(p.certificates) for p in planned)
    shown = {sample["shows"] for sample in summary.samples}
    assert {"three_schemes", "expired", "revoked", "review_due"} <= shown
    for sample in summary.samples:
        answer = certificates_of_person(
            session, name=sample["name"], id_number=sample["id_number"], as_of=ANCHOR, keys=keys
        )
        assert len(answer.certificates) == len(sample["certificates"])
        if sample["shows"] in {"expired", "revoked", "review_due", "suspended"}:
            assert sample["shows"] in {c.status.code for c in answer.certificates}


def test_demo_data_refuses_a_database_that_already_has_holders(engine: Engine, keys) -> None:  # type: ignore[no-untyped-def]
    write_demo(engine, people=10, seed=1, anchor=ANCHOR, keys=keys)
    with pytest.raises(InputError) as refused:
        write_demo(engine, people=10, seed=1, anchor=ANCHOR, keys=keys)
    assert refused.value.code == "demo.not_empty"


def test_every_written_certificate_carries_the_settlement_its_log_gives(
    engine: Engine, session: Session, keys
) -> None:  # type: ignore[no-untyped-def]
    write_demo(engine, people=400, seed=13, anchor=ANCHOR, keys=keys)
    assert_every_certificate_is_settled_truly(session)


def test_no_certificate_is_dated_before_its_scheme_existed() -> None:
    catalog = load_catalog()
    people = _people(20260116, 2000)
    skill = [c for p in people for c in p.certificates if c.type.scheme == "skill_level"]
    assert skill
    for person in people:
        for cert in person.certificates:
            since = catalog.scheme(cert.type.scheme).issue_rules.since_year
            assert cert.issued_on.year >= since, (cert.number, cert.issued_on)
            assert all(e.effective_on >= cert.issued_on for e in cert.events)
    assert min(c.issued_on for c in skill).year == 2019


def test_demo_reasons_use_the_scheme_s_own_verb_and_record_it() -> None:
    catalog = load_catalog()
    seen = set()
    for person in _people(5, 3000):
        for cert in person.certificates:
            words = catalog.scheme(cert.type.scheme).status_words
            for event in cert.events:
                if event.kind == "reviewed":
                    continue
                allowed = {
                    "suspended": {words.suspended},
                    "revoked": set(words.revoked),
                    "cancelled": {words.cancelled},
                }[event.kind]
                assert event.word in allowed, (cert.type.scheme, event)
                assert event.word in event.reason
                assert event.kind == "cancelled" or "注销" not in event.reason
                seen.add((cert.type.scheme, event.kind, event.word))
    assert ("special_operation", "suspended", "暂扣") in seen
    assert {kind for _, kind, _ in seen} == {"suspended", "revoked", "cancelled"}
