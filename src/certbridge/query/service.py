"""一网通查: every certificate of a person, one certificate by number, institutions."""

from __future__ import annotations

import functools
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, Executable, Select, bindparam, select
from sqlalchemy.orm import Session

from certbridge.catalog import Scheme, load_catalog, review_walk
from certbridge.errors import NOT_FOUND_MESSAGE, NotFound
from certbridge.identity import (
    ID_TYPES,
    KIND_ID_TYPES,
    identity_hash,
    parse_identity,
    province_name,
    sex_from_masked,
    validate_name,
)
from certbridge.query.schemas import (
    CertificateView,
    HolderView,
    InstitutionRef,
    IssuerView,
    LevelView,
    NamedCode,
    PersonCertificates,
    ReviewHistoryView,
    ReviewView,
    SexCode,
    StatusView,
    VerificationView,
)
from certbridge.registry.lifecycle import (
    Event,
    Settled,
    Status,
    status_from_settled,
    status_on,
)
from certbridge.registry.models import (
    Certificate,
    CertificateEvent,
    Institution,
    IssuingAuthority,
    Person,
    VerificationToken,
)
from certbridge.registry.service import Keys, certificate_lookup_key, check_number_shape

# The holder is found by document hash and name together, so that a right number with a
# wrong name runs the same statements and the same code as an unknown number (issue 10.14).
_PERSON_BY_HASH_AND_NAME = select(Person.id, Person.name, Person.id_masked, Person.id_kind).where(
    Person.id_hash == bindparam("key"), Person.name == bindparam("name")
)


def certificates_of_person(
    session: Session,
    *,
    name: str,
    id_number: str,
    as_of: date,
    keys: Keys,
    id_type: str | None = None,
) -> PersonCertificates:
    """Every certificate of a holder. `id_type` (居民身份证 …, see identity.ID_TYPES) checks
    the number by its document's rules; without it a 居民身份证 or 港澳台居民居住证 number
    is recognised by its shape."""
    clean_name = validate_name(name)
    identity = parse_identity(id_number, id_type, today=as_of)
    key = identity_hash(identity.kind, identity.value, keys.hash_key)
    session.flush()
    person = session.execute(_PERSON_BY_HASH_AND_NAME, {"key": key, "name": clean_name}).first()
    if person is None:
        raise NotFound
    records = certificate_records(session, _BY_PERSON, person.id)
    return PersonCertificates(
        holder=holder_view(person.name, person.id_masked, person.id_kind),
        as_of=as_of,
        certificates=sorted((certificate_view(r, as_of) for r in records), key=_display_order),
    )


def certificate_by_number(
    source: Session | RecordReader, *, number: str, name: str, as_of: date, keys: Keys
) -> PersonCertificates:
    """The certificate with this number (a 特种作业 card number may cover several 操作项目).

    `source` is a Session, or on the hot path of the API a RecordReader. The name is part
    of the query: a right number with a wrong name reads no row, as an unknown number."""
    clean_name = validate_name(name)
    check_number_shape(number)
    key = certificate_lookup_key(number, keys)
    if isinstance(source, RecordReader):
        records = source.by_number_key(key, clean_name, as_of)
    else:
        records = certificate_records(source, _BY_NUMBER_KEY_AND_NAME, key, name=clean_name)
    if not records:
        raise NotFound
    first = records[0]
    return PersonCertificates(
        holder=holder_view(first.holder_name, first.holder_id_masked, first.holder_id_kind),
        as_of=as_of,
        certificates=[certificate_view(r, as_of) for r in records],
    )


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """A certificate with all that its view shows: holder, issuer, institution, history."""

    institution: InstitutionRef | None
    events: list[Event]
    # The certificate's settled status when the reader used it instead of the events.
    settled: Settled | None
    # The remaining fields in the order the query selects them.
    number_display: str
    scheme: str
    type_code: str
    occupation_code: str | None
    level: int | None
    issued_on: date
    valid_until: date | None
    holder_name: str
    holder_id_masked: str
    issuer_name: str
    issuer_department: str
    issuer_province: str
    holder_id_kind: str
    employer: str | None


# What a certificate's view shows, in the order CertificateRecord takes it (after the id).
_VIEW_COLUMNS = (
    Certificate.id,
    Certificate.number_display,
    Certificate.scheme,
    Certificate.type_code,
    Certificate.occupation_code,
    Certificate.level,
    Certificate.issued_on,
    Certificate.valid_until,
    Person.name,
    Person.id_masked,
    IssuingAuthority.name,
    IssuingAuthority.department,
    IssuingAuthority.province_code,
    Person.id_kind,
    Certificate.employer,
    Institution.code,
    Institution.name,
    Institution.kind,
)


def _with_view_tables(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    return (
        statement.join(Person, Person.id == Certificate.person_id)
        .join(IssuingAuthority, IssuingAuthority.id == Certificate.issuer_id)
        .outerjoin(Institution, Institution.id == Certificate.institution_id)
    )


# One row per event: a read is a single round trip whatever the number of certificates.
_RECORD_QUERY = (
    _with_view_tables(
        select(
            *_VIEW_COLUMNS,
            CertificateEvent.kind,
            CertificateEvent.effective_on,
            CertificateEvent.reason,
            CertificateEvent.word,
        )
    )
    .outerjoin(CertificateEvent, CertificateEvent.certificate_id == Certificate.id)
    .order_by(Certificate.id, CertificateEvent.id)
)

# The hot read: the certificate with its settled status instead of its event log, so one
# row per certificate (registry.settlement; lifecycle.status_from_settled). The dates of its
# reviews are read apart, only for the certificates whose settlement shows a review met.
_SETTLED_BY_NUMBER_KEY_AND_NAME = (
    _with_view_tables(
        select(
            *_VIEW_COLUMNS,
            Certificate.settled_through,
            Certificate.settled_standing,
            Certificate.settled_due_on,
            Certificate.settled_until,
        )
    )
    .where(Certificate.number_key == bindparam("key"), Person.name == bindparam("name"))
    .order_by(Certificate.id)
)
_REVIEW_DATES = select(CertificateEvent.effective_on).where(
    CertificateEvent.certificate_id == bindparam("key"), CertificateEvent.kind == "reviewed"
)

# Statements built once; only the key (and name) change from one request to the next.
_BY_NUMBER_KEY_AND_NAME = _RECORD_QUERY.where(
    Certificate.number_key == bindparam("key"), Person.name == bindparam("name")
)
_BY_PERSON = _RECORD_QUERY.where(Certificate.person_id == bindparam("key"))
_BY_ID = _RECORD_QUERY.where(Certificate.id == bindparam("key"))


def certificate_records(
    session: Session, statement: Executable, key: str | int, **params: str
) -> list[CertificateRecord]:
    """The certificates that `statement` finds for `key` (and `params`), in id order, each
    with its events in recorded order. A plain Core read on the session's connection: no
    ORM objects are needed to answer (pending changes are flushed first, as a query would)."""
    session.flush()
    return _group(session.connection().execute(statement, {"key": key, **params}))


def _group(rows: Iterable[Sequence[Any]]) -> list[CertificateRecord]:
    """Rows of the record query (one per event) into certificates with their events."""
    records: dict[int, CertificateRecord] = {}
    for row in rows:
        certificate_id, *fields, event_kind, event_on, event_reason, event_word = row
        record = records.get(certificate_id)
        if record is None:
            record = records[certificate_id] = _record(fields)
        if event_kind is not None:
            record.events.append(Event(event_kind, event_on, event_reason, event_word))
    return list(records.values())


class RecordReader:
    """The hot read path: the by-number query compiled once for the engine's dialect and run
    on a DBAPI connection, a third of the cost of a Session round trip (measured in
    docs/benchmarks.md). Read-only: it never sees a Session's pending changes.

    On SQLite each thread keeps its own connection: a plain SELECT holds no transaction
    once fetched, so it still sees every commit, and the pool's check-out and rollback
    were a fifth of a lookup. A server database borrows from the pool each time."""

    # Positions of date columns in rows of the queries; SQLite hands back text.
    _DATE_COLUMNS = (6, 7, 19)
    _SETTLED_DATE_COLUMNS = (6, 7, 18, 20, 21)
    _REVIEW_DATE_COLUMNS = (0,)
    MMAP_BYTES = 1 << 30  # address space; the pages stay the OS's file cache

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._full = _Compiled.of(_BY_NUMBER_KEY_AND_NAME, engine)
        self._settled = _Compiled.of(_SETTLED_BY_NUMBER_KEY_AND_NAME, engine)
        self._reviews = _Compiled.of(_REVIEW_DATES, engine)
        self._sqlite = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._held: list[Any] = []

    def by_number_key(self, key: str, name: str, as_of: date) -> list[CertificateRecord]:
        """The certificates under this number key held by `name` (none for another name),
        each with its settled status when that answers for `as_of` (active, no event after
        it) and the reviews it met, else with its event log."""
        given = {"key": key, "name": name}
        rows = self._rows(self._settled, given, self._SETTLED_DATE_COLUMNS)
        records = []
        for row in rows:
            certificate_id, *fields, through, standing, due_on, until = row
            if through is None or through > as_of or standing != "active":
                # Suspended, revoked, or not settled for this date: the log answers,
                # with the dates and reasons of its events.
                return _group(self._rows(self._full, given, self._DATE_COLUMNS))
            record = _record(fields, Settled(through, standing, due_on, until))
            if _met_a_review(record):
                dates = self._rows(
                    self._reviews, {"key": certificate_id}, self._REVIEW_DATE_COLUMNS
                )
                record.events.extend(Event("reviewed", day) for (day,) in dates)
            records.append(record)
        return records

    def _rows(
        self, query: _Compiled, given: dict[str, Any], date_columns: tuple[int, ...]
    ) -> list[Any]:
        values = {**query.defaults, **given}
        params: Any = values if query.order is None else tuple(values[n] for n in query.order)
        if self._sqlite:
            rows = self._thread_connection().execute(query.sql, params).fetchall()
            return [_with_dates(row, date_columns) for row in rows]
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(query.sql, params)
            found: list[Any] = list(cursor.fetchall())
            cursor.close()
        finally:
            connection.close()
        return found

    def _thread_connection(self) -> Any:
        connection: Any = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self._engine.raw_connection()
            connection = self._local.connection = pooled.driver_connection
            pooled.detach()  # out of the pool's count: a held one must not starve it
            # Random lookups over a large file: read pages through a memory map rather than
            # a system call each. Only here: a writer's resident memory would count the map.
            connection.execute(f"PRAGMA mmap_size={self.MMAP_BYTES}")
            self._held.append(connection)
        return connection

    def close(self) -> None:
        """Close the connections threads hold."""
        for connection in self._held:
            connection.close()
        self._held.clear()
        self._local = threading.local()


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement compiled for the engine's dialect: its SQL, the values of its fixed
    parameters, and the order of positional parameters (None for named ones)."""

    sql: str
    defaults: dict[str, Any]
    order: Sequence[str] | None

    @classmethod
    def of(cls, statement: Select[*tuple[Any, ...]], engine: Engine) -> _Compiled:
        compiled = statement.compile(dialect=engine.dialect)
        return cls(compiled.string, compiled.params, compiled.positiontup)


def _met_a_review(record: CertificateRecord) -> bool:
    """Whether a settled certificate met a review (复审 …): its first unmet due date is not
    its first due date. Only then are the dates of its reviews worth a read."""
    assert record.settled is not None
    rule = load_catalog().scheme(record.scheme).validity
    first = review_walk(rule, issued=record.issued_on, valid_until=record.valid_until, reviews=())
    return bool(first) and record.settled.due_on != first[0].due


def _with_dates(row: Sequence[Any], columns: tuple[int, ...]) -> list[Any]:
    values = list(row)
    for index in columns:
        if isinstance(values[index], str):
            values[index] = date.fromisoformat(values[index])
    return values


def _record(fields: Sequence[Any], settled: Settled | None = None) -> CertificateRecord:
    *certificate, institution_code, institution_name, institution_kind = fields
    institution = (
        None
        if institution_code is None
        else _institution_ref(institution_code, institution_name, institution_kind)
    )
    return CertificateRecord(institution, [], settled, *certificate)


@functools.lru_cache(maxsize=4096)
def _institution_ref(code: str, name: str, kind: str) -> InstitutionRef:
    return InstitutionRef(code=code, name=name, kind=kind)


def _display_order(view: CertificateView) -> tuple[int, date]:
    return (0 if view.status.counts else 1, view.issued_on)


def holder_view(name: str, id_masked: str, id_kind: str) -> HolderView:
    """The holder as answers show them: masked number, 证件类型 and 性别."""
    sex = _SEX_CODES[sex_from_masked(id_kind, id_masked)]
    return HolderView(
        name=name,
        id_number_masked=id_masked,
        id_type=_id_type_view(id_kind),
        sex=sex,
        sex_label=_SEX_LABELS[sex],
    )


_SEX_CODES: dict[str | None, SexCode] = {"M": "male", "F": "female", None: "unknown"}
_SEX_LABELS: dict[SexCode, str] = {"male": "男", "female": "女", "unknown": "未知"}


@functools.cache
def _id_type_view(id_kind: str) -> NamedCode:
    id_type = KIND_ID_TYPES.get(id_kind, id_kind)
    return NamedCode(code=id_type, name=ID_TYPES.get(id_type, id_kind))


def certificate_view(record: CertificateRecord, as_of: date) -> CertificateView:
    catalog = load_catalog()
    scheme = catalog.scheme(record.scheme)
    if record.settled is not None:
        status = status_from_settled(scheme.validity, record.settled, as_of)
    else:
        status = status_on(
            scheme.validity,
            issued=record.issued_on,
            valid_until=record.valid_until,
            events=record.events,
            as_of=as_of,
            words=scheme.status_words,
        )
    return CertificateView(
        number=record.number_display,
        scheme=_scheme_view(record.scheme),
        type=_type_view(record.type_code),
        item_code=catalog.types[record.type_code].item_code,
        occupation=_occupation_view(record.occupation_code) if record.occupation_code else None,
        level=_level_view(record.level) if record.level else None,
        category=_category_view(record.type_code),
        issuer=_issuer_of(record),
        institution=record.institution,
        employer=record.employer,
        issued_on=record.issued_on,
        valid_until=status.valid_until,
        status=StatusView(
            code=status.code,
            label=status.label,
            reason=status.reason,
            due_date=status.due_date,
            counts=status.counts,
        ),
        reviews=_review_history(scheme, record, status, as_of),
    )


# Statuses after which no review is due any more.
_NO_REVIEW_DUE = frozenset({"revoked", "cancelled", "not_issued"})


def _review_history(
    scheme: Scheme, record: CertificateRecord, status: Status, as_of: date
) -> ReviewHistoryView | None:
    """The reviews (复审, 延期复核 …) recorded up to `as_of`, walked over the scheme's due
    dates (catalog.review_walk): the same dates as the export's columns."""
    word = scheme.validity.review_kind_zh
    if word is None:
        return None
    reviews = [e.effective_on for e in record.events if e.kind == "reviewed"]
    steps = review_walk(
        scheme.validity,
        issued=record.issued_on,
        valid_until=record.valid_until,
        reviews=[day for day in reviews if day <= as_of],
    )
    if status.code in _NO_REVIEW_DUE and steps and steps[-1].done_on is None:
        steps.pop()
    done = [step.done_on for step in steps if step.done_on is not None]
    unmet = steps[-1].due if steps and steps[-1].done_on is None else None
    return ReviewHistoryView(
        word=word,
        history=[ReviewView(due_on=step.due, done_on=step.done_on) for step in steps],
        last_done_on=done[-1] if done else None,
        next_due_on=unmet,
    )


# The parts of a view that come from the catalog or an issuing authority are built once
# and shared (frozen models): validating them anew cost a third of each lookup (profiled).


@functools.cache
def _scheme_view(code: str) -> NamedCode:
    return NamedCode(code=code, name=load_catalog().scheme(code).name_zh)


@functools.cache
def _type_view(code: str) -> NamedCode:
    return NamedCode(code=code, name=load_catalog().types[code].name_zh)


@functools.cache
def _category_view(type_code: str) -> NamedCode | None:
    cert_type = load_catalog().types[type_code]
    if not cert_type.category_code:
        return None
    return NamedCode(code=cert_type.category_code, name=cert_type.category_name_zh or "")


@functools.cache
def _occupation_view(code: str) -> NamedCode | None:
    occupation = load_catalog().occupations.get(code)
    return NamedCode(code=occupation.code, name=occupation.name_zh) if occupation else None


@functools.cache
def _level_view(number: int) -> LevelView:
    level = load_catalog().levels[number]
    return LevelView(number=level.number, name=level.label)


# When a department's file did not name the evaluation institution of a 职业技能等级证书.
UNNAMED_INSTITUTION = "评价机构（名称未报送）"


def _issuer_of(record: CertificateRecord) -> IssuerView:
    """Who issued the certificate: the department's authority, or for a 职业技能等级证书 the
    evaluation institution, under the supervision of that authority (人社)."""
    department, province = record.issuer_department, record.issuer_province
    if load_catalog().schemes[record.scheme].issued_by == "institution":
        name = record.institution.name if record.institution else UNNAMED_INSTITUTION
        return _issuer_view("institution", name, department, province, record.issuer_name)
    return _issuer_view("authority", record.issuer_name, department, province, None)


@functools.lru_cache(maxsize=4096)
def _issuer_view(
    kind: str, name: str, department: str, province: str, supervised_by: str | None
) -> IssuerView:
    return IssuerView(
        kind=kind,
        name=name,
        department=NamedCode(code=department, name=load_catalog().departments[department].short_zh),
        province=NamedCode(code=province, name=province_name(province) or ""),
        supervised_by=supervised_by,
    )


def mask_name(name: str) -> str:
    """Keep the surname (and the last character of longer names): 王*明, 李*."""
    chars = list(name)
    if len(chars) <= 2:
        return chars[0] + "*" * (len(chars) - 1)
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def issue_verification_token(session: Session, certificate: Certificate) -> VerificationToken:
    token = VerificationToken(token=secrets.token_urlsafe(24), certificate_id=certificate.id)
    session.add(token)
    session.flush()
    return token


def withdraw_verification_tokens(session: Session, certificate: Certificate) -> int:
    tokens: Sequence[VerificationToken] = session.scalars(
        select(VerificationToken).where(
            VerificationToken.certificate_id == certificate.id,
            VerificationToken.withdrawn_at.is_(None),
        )
    ).all()
    for token in tokens:
        token.withdrawn_at = datetime.now(UTC)
    session.flush()
    return len(tokens)


def verify_token(session: Session, token: str, as_of: date) -> VerificationView:
    if not re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", token):
        raise NotFound
    found = session.scalar(
        select(VerificationToken).where(
            VerificationToken.token == token, VerificationToken.withdrawn_at.is_(None)
        )
    )
    if found is None:
        raise NotFound
    records = certificate_records(session, _BY_ID, found.certificate_id)
    if not records:
        raise NotFound
    return VerificationView(
        holder_name_masked=mask_name(records[0].holder_name),
        as_of=as_of,
        certificate=certificate_view(records[0], as_of),
    )


__all__ = [
    "NOT_FOUND_MESSAGE",
    "CertificateRecord",
    "NotFound",
    "Person",
    "certificate_by_number",
    "certificate_records",
    "certificate_view",
    "certificates_of_person",
    "holder_view",
    "issue_verification_token",
    "mask_name",
    "verify_token",
    "withdraw_verification_tokens",
]
