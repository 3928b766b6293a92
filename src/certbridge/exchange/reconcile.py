"""Reconciliation of validated certificate rows with the registry, one chunk at a time.

Bulk Core statements, keys prefetched per chunk, no ORM object per row. Every row of the
chunk ends as exactly one outcome; the caller commits the chunk with its ledger entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from certbridge.catalog import default_valid_until, load_catalog, settle_reviews
from certbridge.exchange.models import CertificateVersion
from certbridge.exchange.rules import STATE_LABELS, CertificateRow, RowError
from certbridge.identity import mask_id_number
from certbridge.registry.hooks import notify_state_changed
from certbridge.registry.lifecycle import Event
from certbridge.registry.models import Certificate, CertificateEvent, Person
from certbridge.registry.sealing import seal
from certbridge.registry.service import (
    STATE_AFTER,
    TRANSITIONS,
    Keys,
    certificate_lookup_key,
    display_number,
    ensure_authority,
    person_lookup_key,
)
from certbridge.registry.settlement import settle_certificates, settle_written

# The status event that takes a certificate from one state to another.
STATE_EVENTS = {
    ("active", "suspended"): "suspended",
    ("active", "revoked"): "revoked",
    ("suspended", "revoked"): "revoked",
    ("suspended", "active"): "reinstated",
    ("active", "cancelled"): "cancelled",
    ("suspended", "cancelled"): "cancelled",
    ("revoked", "cancelled"): "cancelled",
}


@dataclass
class Existing:
    id: int
    person_id: int
    issuer_id: int
    scheme: str
    type_code: str
    level: int | None
    issued_on: date
    valid_until: date | None
    state: str
    employer: str | None = None
    # 有效期至 as the reviews recorded by the import date extended the printed one (what an
    # export writes); None where no review extended it.
    extended_until: date | None = None

    def data(self) -> dict[str, Any]:
        return {
            "type_code": self.type_code,
            "level": self.level,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "state": self.state,
            "employer": self.employer,
        }


# One answer for every name conflict the uploader may not be told about: whatever the
# registry holds (the registered name) stays out of it.
NAME_CONFLICT_NEUTRAL = (
    "本行姓名与该证件号码的登记信息不一致，未导入；本行已隔离，"
    "待相关发证部门或监管部门核实处理（见姓名冲突列表）"
)


@dataclass(frozen=True)
class Conflict:
    """A name conflict to open: who sent which name for which registered person."""

    person_key: str
    name: str
    department: str
    province_code: str


@dataclass
class ChunkWork:
    """What one chunk will write, gathered before anything is written."""

    outcomes: dict[int, str] = field(default_factory=dict)
    rejects: dict[int, list[RowError]] = field(default_factory=dict)
    conflicts: dict[int, Conflict] = field(default_factory=dict)
    new_people: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_certificates: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, Existing, CertificateRow]] = field(default_factory=list)
    words: dict[int, str] = field(default_factory=dict)  # row number → its status word


class Reconciler:
    """Holds what is constant over a run: keys, actor, authority ids, the date."""

    def __init__(self, keys: Keys, run_id: int, file_name: str, actor: str, today: date):
        self.keys, self.run_id, self.file_name = keys, run_id, file_name
        self.actor, self.today = actor[:100], today  # the events' actor column
        self._authorities: dict[tuple[str, str], int] = {}

    def forget(self) -> None:
        """After a rollback: authorities created in it are gone."""
        self._authorities.clear()

    def source(self, row_number: int) -> str:
        return f"exchange run {self.run_id} row {row_number}: {self.file_name}"[:200]

    def authority(self, session: Session, department: str, province: str) -> int:
        key = (department, province)
        if key not in self._authorities:
            name = load_catalog().provinces[province].name_zh
            self._authorities[key] = ensure_authority(session, department, province, name).id
        return self._authorities[key]

    # ------------------------------------------------------------ planning

    def plan(
        self,
        session: Session,
        rows: Sequence[tuple[int, CertificateRow | list[RowError]]],
    ) -> tuple[ChunkWork, int]:
        """Decide every row's outcome. Returns the work and how many rows it covers: a row
        that touches a certificate already changed in this chunk ends the chunk early."""
        valid = [(n, r) for n, r in rows if isinstance(r, CertificateRow)]
        person_keys = {n: person_lookup_key(r.id_number, self.keys) for n, r in valid}
        number_keys = {n: certificate_lookup_key(r.number, self.keys) for n, r in valid}
        people = self._people(session, set(person_keys.values()))
        certificates = self._certificates(session, set(number_keys.values()))
        work = ChunkWork()
        touched: set[tuple[str, str]] = set()
        for index, (number, result) in enumerate(rows):
            if not isinstance(result, CertificateRow):
                work.outcomes[number], work.rejects[number] = "rejected", result
                continue
            key = (number_keys[number], result.type.code)
            if key in touched:
                return work, index
            touched.add(key)
            existing = certificates.get(number_keys[number], [])
            self._plan_row(session, work, number, result, people, existing, key)
        return work, len(rows)

    def _people(self, session: Session, hashes: set[str]) -> dict[str, tuple[int, str]]:
        if not hashes:
            return {}
        found = session.execute(
            select(Person.id_hash, Person.id, Person.name).where(Person.id_hash.in_(hashes))
        )
        return {row.id_hash: (row.id, row.name) for row in found}

    def _certificates(self, session: Session, keys: set[str]) -> dict[str, list[Existing]]:
        found: dict[str, list[Existing]] = {}
        if not keys:
            return found
        columns = (
            Certificate.number_key,
            Certificate.id,
            Certificate.person_id,
            Certificate.issuer_id,
            Certificate.scheme,
            Certificate.type_code,
            Certificate.level,
            Certificate.issued_on,
            Certificate.valid_until,
            Certificate.state,
            Certificate.employer,
        )
        for row in session.execute(select(*columns).where(Certificate.number_key.in_(keys))):
            values = dict(row._mapping)
            found.setdefault(values.pop("number_key"), []).append(Existing(**values))
        self._extended_until(session, [e for group in found.values() for e in group])
        return found

    def _extended_until(self, session: Session, existing: list[Existing]) -> None:
        """Where reviews extended a certificate's validity, the date they extended it to:
        a row carrying that date (an export's 有效期至) is the same validity as the printed
        date it extends, not a correction."""
        catalog = load_catalog()
        ids = {e.id: e for e in existing if catalog.scheme(e.scheme).validity.extension_years}
        if not ids:
            return
        reviews: dict[int, list[date]] = {}
        found = session.execute(
            select(CertificateEvent.certificate_id, CertificateEvent.effective_on).where(
                CertificateEvent.certificate_id.in_(ids),
                CertificateEvent.kind == "reviewed",
                CertificateEvent.effective_on <= self.today,
            )
        )
        for certificate_id, effective_on in found:
            reviews.setdefault(certificate_id, []).append(effective_on)
        for certificate_id, days in reviews.items():
            e = ids[certificate_id]
            rule = catalog.scheme(e.scheme).validity
            until = settle_reviews(
                rule, issued=e.issued_on, valid_until=e.valid_until, reviews=days
            )
            if until[1] != (e.valid_until or default_valid_until(rule, e.issued_on)):
                e.extended_until = until[1]

    def _plan_row(
        self,
        session: Session,
        work: ChunkWork,
        number: int,
        row: CertificateRow,
        people: dict[str, tuple[int, str]],
        existing: list[Existing],
        key: tuple[str, str],
    ) -> None:
        number_key = key[0]
        person_key = person_lookup_key(row.id_number, self.keys)
        issuer_id = self.authority(session, row.department, row.province_code)
        problem = self._person_problem(session, work, row, person_key, people, issuer_id)
        if problem is not None:
            work.conflicts[number] = Conflict(
                person_key, row.name, row.department, row.province_code
            )
        same = next((e for e in existing if e.type_code == row.type.code), None)
        problem = problem or _claim_problem(row, existing, same, issuer_id)
        if problem is None and same is not None:
            problem = _holder_problem(same, people.get(person_key))
        if problem is not None:
            work.outcomes[number], work.rejects[number] = "rejected", [problem]
            return
        if person_key not in people and person_key not in work.new_people:
            work.new_people[person_key] = self._person_values(row)
        if same is None:
            work.outcomes[number] = "accepted"
            work.words[number] = row.state_word
            work.new_certificates.append((number, person_key, self._certificate_values(
                row, number_key, issuer_id)))  # fmt: skip
            return
        if _effective(row, same) == _effective_existing(same) and not _employer_changes(row, same):
            work.outcomes[number] = "unchanged"
            return
        transition = _transition_problem(same.state, row.state)
        if transition is not None:
            work.outcomes[number], work.rejects[number] = "rejected", [transition]
            return
        work.outcomes[number] = "updated"
        work.updates.append((number, same, row))

    def _person_problem(
        self,
        session: Session,
        work: ChunkWork,
        row: CertificateRow,
        person_key: str,
        people: dict[str, tuple[int, str]],
        issuer_id: int,
    ) -> RowError | None:
        """A name differing from the registered one. The registered name is told only to
        an authority that issued one of the person's certificates (or sent the name in
        this very chunk): to anyone else the answer is the same words for every row."""
        known = people.get(person_key)
        registered = known[1] if known else work.new_people.get(person_key, {}).get("name")
        if registered is None or registered == row.name:
            return None
        if known is not None and not _issued_to(session, known[0], issuer_id):
            return RowError("person.name_conflict", NAME_CONFLICT_NEUTRAL, None, row.name)
        return RowError(
            "person.name_conflict",
            f"该证件号码已登记的姓名为“{registered}”，与本行姓名“{row.name}”不一致，"
            "未作修改（同一证件号码不能对应不同姓名）；本行已隔离，待核实处理",
            None,
            row.name,
        )

    def _person_values(self, row: CertificateRow) -> dict[str, Any]:
        return {
            "id_hash": person_lookup_key(row.id_number, self.keys),
            "id_masked": mask_id_number(row.id_number.value),
            "id_kind": row.id_number.kind,
            "id_sealed": seal(row.id_number.value, self.keys.seal_key),
            "name": row.name,
        }

    def _certificate_values(
        self, row: CertificateRow, number_key: str, issuer_id: int
    ) -> dict[str, Any]:
        return {
            "number_key": number_key,
            "number_display": display_number(row.type.scheme, row.number),
            "scheme": row.type.scheme,
            "type_code": row.type.code,
            "occupation_code": row.type.occupation,
            "level": row.level,
            "issuer_id": issuer_id,
            "institution_id": None,
            "issued_on": row.issued_on,
            "valid_until": _valid_until(row),
            "state": row.state,
            "employer": row.employer,
        }

    # ------------------------------------------------------------ writing

    def write(self, session: Session, work: ChunkWork) -> None:
        person_ids = self._insert_people(session, work)
        certificate_ids = self._insert_certificates(session, work, person_ids)
        events = self._new_certificate_events(work, certificate_ids)
        events += self._apply_updates(session, work)
        if events:
            session.execute(insert(CertificateEvent), events)
        self._settle(session, work, certificate_ids, events)
        # Told only now, when the history holds the new events; certificates created by
        # this chunk have nothing issued from them yet, so nobody listens for them.
        created = set(certificate_ids)
        for event in events:
            if event["kind"] in STATE_AFTER and event["certificate_id"] not in created:
                notify_state_changed(session, event["certificate_id"], STATE_AFTER[event["kind"]])

    def _settle(
        self,
        session: Session,
        work: ChunkWork,
        certificate_ids: list[int],
        events: list[dict[str, Any]],
    ) -> None:
        """New certificates are settled from the events just written; updated ones from
        their whole log, read back."""
        logs: dict[int, list[Event]] = {i: [] for i in certificate_ids}
        for event in events:
            if event["certificate_id"] in logs:
                logs[event["certificate_id"]].append(Event(event["kind"], event["effective_on"]))
        written = [
            (i, v["scheme"], v["issued_on"], v["valid_until"], logs[i])
            for i, (_, _, v) in zip(certificate_ids, work.new_certificates, strict=True)
        ]
        settle_written(session.connection(), written)
        settle_certificates(session.connection(), [existing.id for _, existing, _ in work.updates])

    def _insert_people(self, session: Session, work: ChunkWork) -> dict[str, int]:
        ids: dict[str, int] = {}
        if work.new_people:
            table = cast(Table, Person.__table__)
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            values = list(work.new_people.values())
            new_ids = session.connection().execute(statement, values).scalars().all()
            ids.update(zip(work.new_people, new_ids, strict=True))
        needed = {key for _, key, _ in work.new_certificates} - set(ids)
        if needed:
            found = session.execute(
                select(Person.id_hash, Person.id).where(Person.id_hash.in_(needed))
            )
            ids.update({row.id_hash: row.id for row in found})
        return ids

    def _insert_certificates(
        self, session: Session, work: ChunkWork, person_ids: dict[str, int]
    ) -> list[int]:
        if not work.new_certificates:
            return []
        values = [v | {"person_id": person_ids[key]} for _, key, v in work.new_certificates]
        table = cast(Table, Certificate.__table__)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        # Core on the session's connection: the ORM bulk path is several times slower here.
        return list(session.connection().execute(statement, values).scalars().all())

    def _new_certificate_events(
        self, work: ChunkWork, certificate_ids: list[int]
    ) -> list[dict[str, Any]]:
        words = work.words
        events = []
        for (number, _, values), certificate_id in zip(
            work.new_certificates, certificate_ids, strict=True
        ):
            source = self.source(number)
            events.append(self._event(certificate_id, "issued", values["issued_on"], "", source))
            if values["state"] != "active":
                kind = STATE_EVENTS[("active", values["state"])]
                reason = f"导入时状态为{STATE_LABELS[values['state']]}"
                on = max(values["issued_on"], self.today)
                word = words.get(number, "")
                events.append(self._event(certificate_id, kind, on, reason, source, word))
        return events

    def _event(
        self, certificate_id: int, kind: str, on: date, reason: str, source: str, word: str = ""
    ) -> dict[str, Any]:
        return {
            "certificate_id": certificate_id,
            "kind": kind,
            "effective_on": on,
            "actor": self.actor,
            "reason": reason,
            "source": source,
            "word": word,
        }

    def _apply_updates(self, session: Session, work: ChunkWork) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        versions = []
        for number, existing, row in work.updates:
            new = _effective(row, existing)
            new["employer"] = existing.employer if row.employer is None else row.employer
            source = self.source(number)
            session.execute(
                update(Certificate)
                .where(Certificate.id == existing.id)
                .values(
                    level=row.level,
                    issued_on=row.issued_on,
                    valid_until=_recorded_until(row, existing),
                    state=row.state,
                    employer=new["employer"],
                )
            )
            previous = existing.data()
            versions.append(
                {
                    "certificate_id": existing.id,
                    "run_id": self.run_id,
                    "row_number": number,
                    "source": source,
                    "previous": json.dumps(previous, ensure_ascii=False),
                    "current": json.dumps(row.data() | new, ensure_ascii=False),
                }
            )
            changed = [
                k
                for k in ("level", "issued_on", "valid_until", "employer")
                if previous[k] != new[k]
            ]
            if changed:
                reason = "导入更正：" + "、".join(changed)
                events.append(self._event(existing.id, "corrected", self.today, reason, source))
            if existing.state != row.state:
                kind = STATE_EVENTS[(existing.state, row.state)]
                on = max(row.issued_on, self.today)
                reason = f"导入时状态为{STATE_LABELS[row.state]}"
                events.append(self._event(existing.id, kind, on, reason, source, row.state_word))
        if versions:
            session.execute(insert(CertificateVersion), versions)
        return events


def _issued_to(session: Session, person_id: int, issuer_id: int) -> bool:
    found = session.scalar(
        select(Certificate.id)
        .where(Certificate.person_id == person_id, Certificate.issuer_id == issuer_id)
        .limit(1)
    )
    return found is not None


def _valid_until(row: CertificateRow) -> date | None:
    """The printed date, or the scheme's term from the issue date when the row left it empty."""
    return row.valid_until or default_valid_until(
        load_catalog().scheme(row.type.scheme).validity, row.issued_on
    )


def _recorded_until(row: CertificateRow, existing: Existing | None) -> date | None:
    """The row's 有效期至 as the registry records it: an extension by recorded reviews
    (what an export writes) stands for the printed date it extends."""
    until = _valid_until(row)
    if existing is not None and until is not None and until == existing.extended_until:
        return existing.valid_until
    return until


def _employer_changes(row: CertificateRow, existing: Existing) -> bool:
    return row.employer is not None and row.employer != existing.employer


def _effective(row: CertificateRow, existing: Existing | None = None) -> dict[str, Any]:
    until = _recorded_until(row, existing)
    return {
        "level": row.level,
        "issued_on": row.issued_on.isoformat(),
        "valid_until": until.isoformat() if until else None,
        "state": row.state,
    }


def _effective_existing(existing: Existing) -> dict[str, Any]:
    data = existing.data()
    data.pop("type_code")
    data.pop("employer")
    return data


def _claim_problem(
    row: CertificateRow, existing: list[Existing], same: Existing | None, issuer_id: int
) -> RowError | None:
    """A number already registered by another issuer is a conflict, never merged. Numbers
    that embed the ID number may carry records of several issuers, one per item."""
    embeds = load_catalog().scheme(row.type.scheme).number_embeds_id_number
    rivals = [same] if (embeds and same) else ([] if embeds else existing)
    if any(e.issuer_id != issuer_id for e in rivals if e is not None):
        return RowError(
            "certificate.issuer_conflict",
            "该证书编号已由其他发证机关登记，两个发证机关不能登记同一证书，未合并，请核实",
            None,
            None,
        )
    return None


def _holder_problem(same: Existing, person: tuple[int, str] | None) -> RowError | None:
    if person is None or person[0] != same.person_id:
        return RowError(
            "certificate.holder_conflict",
            "该证书已登记在另一证件号码名下，持证人不能通过导入变更，未作修改",
            None,
            None,
        )
    return None


def _transition_problem(current: str, wanted: str) -> RowError | None:
    if current == wanted:
        return None
    kind = STATE_EVENTS.get((current, wanted))
    if kind is None or current not in TRANSITIONS.get(kind, ()):
        return RowError(
            "status.transition",
            f"证书当前状态为{STATE_LABELS[current]}，不能改为{STATE_LABELS[wanted]}",
            None,
            STATE_LABELS[wanted],
        )
    return None
