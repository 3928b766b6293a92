"""Writes a planned demo population to the database in bulk, one transaction per chunk."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine

from certbridge.catalog import Catalog, load_catalog
from certbridge.demo.plan import (
    PlannedCertificate,
    PlannedEvent,
    PlannedInstitution,
    PlannedPerson,
    plan_demo,
)
from certbridge.errors import InputError
from certbridge.identity import mask_id_number, parse_id_number
from certbridge.registry.lifecycle import Event, standing_after, status_on
from certbridge.registry.models import (
    Certificate,
    CertificateEvent,
    Institution,
    InstitutionScope,
    IssuingAuthority,
    Person,
    VerificationToken,
)
from certbridge.registry.sealing import seal
from certbridge.registry.service import (
    Keys,
    authority_name,
    certificate_lookup_key,
    display_number,
    person_lookup_key,
)
from certbridge.registry.settlement import settle_written

CHUNK = 5_000
ACTOR = "demo-data"


@dataclass
class DemoSummary:
    people: int = 0
    certificates: int = 0
    institutions: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)


def database_is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return not connection.scalar(select(func.count()).select_from(Person))


def write_demo(
    engine: Engine,
    *,
    people: int,
    seed: int,
    anchor: date,
    keys: Keys,
    on_progress: Callable[[int], None] = lambda _n: None,
) -> DemoSummary:
    if people < 1:
        raise InputError("demo.people", "人数至少为1", field="people")
    if not database_is_empty(engine):
        raise InputError(
            "demo.not_empty", "数据库中已有持证人数据：请使用新的数据库，或加 --if-empty 跳过"
        )
    catalog = load_catalog()
    institutions, planned = plan_demo(catalog, people=people, seed=seed, anchor=anchor)
    summary = DemoSummary(institutions=len(institutions))
    picker = SamplePicker(catalog, anchor)
    with engine.begin() as connection:
        authorities = _insert_authorities(connection, catalog)
        institution_ids = _insert_institutions(connection, institutions)
    for chunk in _chunks(planned, CHUNK):
        with engine.begin() as connection:
            _insert_people(connection, chunk, authorities, institution_ids, keys)
        summary.people += len(chunk)
        summary.certificates += sum(len(p.certificates) for p in chunk)
        for person in chunk:
            picker.consider(person)
        on_progress(len(chunk))
    summary.samples = picker.samples()
    with engine.begin() as connection:
        _add_verification_links(connection, summary.samples, keys)
    return summary


def _chunks(items: Iterable[PlannedPerson], size: int) -> Iterator[list[PlannedPerson]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert_authorities(connection: Connection, catalog: Catalog) -> dict[tuple[str, str], int]:
    rows = [
        {"department": d, "province_code": p.code, "name": authority_name(d, p.name_zh)}
        for d in catalog.departments
        for p in catalog.provinces.values()
    ]
    connection.execute(insert(IssuingAuthority), rows)
    found = connection.execute(
        select(IssuingAuthority.id, IssuingAuthority.department, IssuingAuthority.province_code)
    )
    return {(row.department, row.province_code): row.id for row in found}


def _insert_institutions(
    connection: Connection, planned: tuple[PlannedInstitution, ...]
) -> list[int]:
    ids = _insert_returning_ids(
        connection,
        Institution,
        [
            {
                "code": p.code,
                "name": p.name,
                "kind": p.kind,
                "filing_code": p.filing_code,
                "province_code": p.province_code,
                "status": "active",
            }
            for p in planned
        ],
    )
    connection.execute(
        insert(InstitutionScope),
        [
            {"institution_id": institution_id, "occupation_code": occupation, "level": level}
            for institution_id, p in zip(ids, planned, strict=True)
            for occupation, level in p.scopes
        ],
    )
    return ids


def _insert_returning_ids(
    connection: Connection, model: Any, rows: list[dict[str, Any]]
) -> list[int]:
    """Bulk insert that hands back the new ids in row order (no explicit ids, so
    PostgreSQL sequences stay right)."""
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _insert_people(
    connection: Connection,
    chunk: list[PlannedPerson],
    authorities: dict[tuple[str, str], int],
    institution_ids: list[int],
    keys: Keys,
) -> None:
    person_ids = _insert_returning_ids(connection, Person, [_person_row(p, keys) for p in chunk])
    planned = [
        (pid, cert) for pid, p in zip(person_ids, chunk, strict=True) for cert in p.certificates
    ]
    certificate_ids = _insert_returning_ids(
        connection,
        Certificate,
        [_certificate_row(pid, cert, authorities, institution_ids, keys) for pid, cert in planned],
    )
    events = []
    for certificate_id, (_, cert) in zip(certificate_ids, planned, strict=True):
        events.append(_event_row(certificate_id, "issued", cert.issued_on, ""))
        events.extend(
            _event_row(certificate_id, e.kind, e.effective_on, e.reason, e.word)
            for e in cert.events
        )
    connection.execute(insert(CertificateEvent), events)
    settle_written(
        connection,
        [
            (
                certificate_id,
                cert.type.scheme,
                cert.issued_on,
                cert.valid_until,
                [
                    Event("issued", cert.issued_on),
                    *(Event(e.kind, e.effective_on) for e in cert.events),
                ],
            )
            for certificate_id, (_, cert) in zip(certificate_ids, planned, strict=True)
        ],
    )


def _person_row(planned: PlannedPerson, keys: Keys) -> dict[str, Any]:
    id_number = parse_id_number(planned.id_number)
    return {
        "id_hash": person_lookup_key(id_number, keys),
        "id_masked": mask_id_number(id_number.value),
        "id_kind": id_number.kind,
        "id_sealed": seal(id_number.value, keys.seal_key),
        "name": planned.name,
    }


def _certificate_row(
    person_id: int,
    cert: PlannedCertificate,
    authorities: dict[tuple[str, str], int],
    institution_ids: list[int],
    keys: Keys,
) -> dict[str, Any]:
    return {
        "number_key": certificate_lookup_key(cert.number, keys),
        "number_display": display_number(cert.type.scheme, cert.number),
        "scheme": cert.type.scheme,
        "type_code": cert.type.code,
        "occupation_code": cert.type.occupation,
        "level": cert.level,
        "person_id": person_id,
        "issuer_id": authorities[(cert.department, cert.province_code)],
        "institution_id": None if cert.institution is None else institution_ids[cert.institution],
        "issued_on": cert.issued_on,
        "valid_until": cert.valid_until,
        "state": _state_after(cert.events),
    }


def _event_row(
    certificate_id: int, kind: str, effective_on: date, reason: str, word: str = ""
) -> dict[str, Any]:
    return {
        "certificate_id": certificate_id,
        "kind": kind,
        "effective_on": effective_on,
        "actor": ACTOR,
        "reason": reason,
        "source": ACTOR,
        "word": word,
    }


def _state_after(events: Iterable[PlannedEvent]) -> str:
    return standing_after([Event(e.kind, e.effective_on) for e in events])


class SamplePicker:
    """Chooses a few holders that together show every scheme and status."""

    WANTED = (
        "three_schemes",
        "review_due",
        "expired",
        "revoked",
        "suspended",
        "skill_level",
        "cancelled",
    )

    def __init__(self, catalog: Catalog, anchor: date) -> None:
        self.catalog = catalog
        self.anchor = anchor
        self.found: dict[str, PlannedPerson] = {}

    def consider(self, person: PlannedPerson) -> None:
        if len(self.found) == len(self.WANTED):
            return
        for feature in self._features(person):
            if feature in self.WANTED and feature not in self.found:
                if person not in self.found.values():
                    self.found[feature] = person
                return

    def _features(self, person: PlannedPerson) -> list[str]:
        features = []
        if len({c.type.scheme for c in person.certificates}) >= 3:
            features.append("three_schemes")
        for cert in person.certificates:
            scheme = self.catalog.scheme(cert.type.scheme)
            status = status_on(
                scheme.validity,
                issued=cert.issued_on,
                valid_until=cert.valid_until,
                events=[Event(e.kind, e.effective_on, e.reason, e.word) for e in cert.events],
                as_of=self.anchor,
                words=scheme.status_words,
            )
            features.append(status.code)
            if cert.type.scheme == "skill_level":
                features.append("skill_level")
        return features

    def samples(self) -> list[dict[str, Any]]:
        return [
            {
                "shows": feature,
                "name": person.name,
                "id_number": person.id_number,
                "certificates": [c.number for c in person.certificates],
            }
            for feature in self.WANTED
            if (person := self.found.get(feature)) is not None
        ]


def _add_verification_links(
    connection: Connection, samples: list[dict[str, Any]], keys: Keys
) -> None:
    for sample in samples:
        number = sample["certificates"][0]
        certificate_id = connection.scalar(
            select(Certificate.id)
            .where(Certificate.number_key == certificate_lookup_key(number, keys))
            .order_by(Certificate.id)
            .limit(1)
        )
        token = secrets.token_urlsafe(24)
        connection.execute(
            insert(VerificationToken), [{"token": token, "certificate_id": certificate_id}]
        )
        sample["verification_path"] = f"/v/{token}"
