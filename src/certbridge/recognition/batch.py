"""Evaluate every holder of a scheme straight from the tables (a department planning capacity).

Rows are read in person-id ranges, one per certificate with its status code worked out
in SQL from the certificate's settlement (registry.settlement; no event logs replayed
unless a settlement is missing); the policy is compiled once per process; ranges are spread
over worker processes. Each person gives one compact JSON line; the totals are summed.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from certbridge.catalog import load_catalog
from certbridge.db import make_engine
from certbridge.recognition.memo import CODE_SEPARATOR, Memo, Row
from certbridge.recognition.policy import load_policy
from certbridge.registry.lifecycle import status_on
from certbridge.registry.models import Certificate, IssuingAuthority
from certbridge.registry.settlement import read_logs

RANGE_SIZE = 20_000
# A person's row of the signature query (RangeReader.signatures).
Signed = tuple[int, str | None, str | None, int, int, str | None]

_certificates = Certificate.__table__
_issuers = IssuingAuthority.__table__


@dataclass(frozen=True)
class Job:
    url: str
    scheme: str | None
    as_of: date
    target: str | None
    low: int
    high: int  # exclusive


@dataclass
class Totals:
    persons: int = 0
    certificates: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, other: Totals) -> None:
        self.persons += other.persons
        self.certificates += other.certificates
        self.counts.update(other.counts)


def person_ranges(engine: Engine, size: int = RANGE_SIZE) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        low, high = connection.execute(
            select(func.min(_certificates.c.person_id), func.max(_certificates.c.person_id))
        ).one()
    if low is None:
        return []
    return [(start, min(start + size, high + 1)) for start in range(low, high + 1, size)]


_LOW: BindParameter[int] = bindparam("low")
_HIGH: BindParameter[int] = bindparam("high")
_AS_OF: BindParameter[date] = bindparam("as_of", type_=Date)


def _status_code() -> Any:
    """The status code on the as-of date from the certificate's settlement (see
    registry.settlement), NULL where there is none or the date precedes its last event.
    'valid' here also stands for review_due: both count, and the batch needs no more."""
    c = _certificates.c
    lapsed = or_(
        and_(c.settled_due_on.is_not(None), c.settled_due_on < _AS_OF),
        and_(c.settled_until.is_not(None), c.settled_until < _AS_OF),
    )
    return case(
        (or_(c.settled_through.is_(None), c.settled_through > _AS_OF), null()),
        (c.settled_standing != "active", c.settled_standing),
        (lapsed, literal("expired")),
        else_=literal("valid"),
    )


def _certificate_query(scheme: str | None) -> Any:
    """One row per certificate in person order (the person_id index gives that order):
    person, type, level, issue date, issuing province, status code, id."""
    c, i = _certificates.c, _issuers.c
    query = (
        select(
            c.person_id, c.type_code, c.level, c.issued_on, i.province_code, _status_code(), c.id
        )
        .select_from(_certificates.join(_issuers, i.id == c.issuer_id))
        .where(c.person_id >= _LOW, c.person_id < _HIGH)
        .order_by(c.person_id, c.id)
    )
    if scheme is not None:
        query = query.where(_holds_scheme(scheme))
    return query


# What the memo reads of each catalog type and of each recent issue date (Memo.type_table,
# Memo.recent_days), loaded per connection so that SQL can write each certificate's entry
# code.
_policy_view = MetaData()
_types = Table(
    "batch_types",
    _policy_view,
    Column("type_code", String, primary_key=True),
    Column("touches", Integer),
    Column("counting_code", Integer, nullable=False),
    Column("trade_code", Integer),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)
_days = Table(
    "batch_days",
    _policy_view,
    Column("day", Date, primary_key=True),
    Column("tenths", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)
_CAP: BindParameter[int] = bindparam("cap")


class _Bare(ColumnElement[Any]):
    """A column without its affinity in SQLite, which stores our dates as text in columns
    of NUMERIC affinity: compared with a parameter, such a column makes SQLite try the
    parameter as a number on every row. A unary + drops the affinity; elsewhere, the column
    as it is."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Bare)
def _bare(element: _Bare, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Bare, "sqlite")
def _bare_sqlite(element: _Bare, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def _signature_query(scheme: str | None, dialect: str) -> Any:
    """One row per person in person order: the lowest and highest province their
    certificates were issued in, whether any certificate lacks a usable settlement, how
    many certificates, and the entry codes of Memo.answer_codes, one per certificate that
    bears on the answer.

    One flat grouped query, so that SQLite groups in the person_id index's order; whether
    a certificate counts is worked out once per certificate, for its entry code alone."""
    c, i, t, d = _certificates.c, _issuers.c, _types.c, _days.c
    through, issued = _Bare(c.settled_through), _Bare(c.issued_on)
    due_on, until = _Bare(c.settled_due_on), _Bare(c.settled_until)
    counting = and_(
        through <= _AS_OF,
        c.settled_standing == "active",
        or_(c.settled_due_on.is_(None), due_on >= _AS_OF),
        or_(c.settled_until.is_(None), until >= _AS_OF),
    )
    tenths = case((issued > _AS_OF, -1), else_=func.coalesce(d.tenths, _CAP))
    grants = (
        t.counting_code + func.coalesce(c.level, 0) * 100 + case((t.touches == 1, tenths), else_=0)
    )
    entry = case(
        (counting, case((t.touches.is_(None), 0), else_=grants)),
        (or_(c.settled_standing == "revoked", t.trade_code.is_(None), issued > _AS_OF), null()),
        else_=t.trade_code + tenths,
    )
    if dialect == "sqlite":
        codes = func.group_concat(entry, CODE_SEPARATOR)
    else:
        codes = func.string_agg(cast(entry, String), CODE_SEPARATOR)
    query = (
        select(
            c.person_id,
            func.min(i.province_code),
            func.max(i.province_code),
            func.max(case((through <= _AS_OF, 0), else_=1)),  # NULL through: no settlement
            func.count(),
            codes,
        )
        .select_from(
            _certificates.join(_issuers, i.id == c.issuer_id)
            .outerjoin(_types, t.type_code == c.type_code)
            .outerjoin(_days, d.day == c.issued_on)
        )
        .where(c.person_id >= _LOW, c.person_id < _HIGH)
        .group_by(c.person_id)
        .order_by(c.person_id)
    )
    if scheme is not None:
        query = query.where(_holds_scheme(scheme))
    return query


def _holds_scheme(scheme: str) -> Any:
    other = aliased(_certificates)
    return exists().where(other.c.person_id == _certificates.c.person_id, other.c.scheme == scheme)


def _compile(statement: Any, engine: Engine) -> SQLCompiler:
    compiled = statement.compile(dialect=engine.dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


class RangeReader:
    """Reads person-id ranges on one held connection with a plain DBAPI cursor: statements
    are compiled once for the dialect, and the memo's view of types and dates is loaded
    into the connection's temporary tables once per memo."""

    def __init__(self, engine: Engine, scheme: str | None) -> None:
        self.engine = engine
        self._signatures = _compile(_signature_query(scheme, engine.dialect.name), engine)
        self._certificates = _compile(_certificate_query(scheme), engine)
        self._text_dates = engine.dialect.name == "sqlite"
        self._dates: dict[Any, date] = {}
        self._connection = engine.connect()
        _policy_view.create_all(self._connection)
        self._connection.commit()
        self._loaded: Memo | None = None

    def close(self) -> None:
        self._connection.close()
        self.engine.dispose()

    def signatures(self, low: int, high: int, memo: Memo) -> list[Signed]:
        """(person, lowest and highest province, unsettled, certificates, entry codes) per
        person of the range."""
        if self._loaded is not memo:
            self._load(memo)
        rows: list[Signed] = self._fetch(self._signatures, low, high, memo.as_of, cap=memo.cap)
        return rows

    def read(self, low: int, high: int, as_of: date) -> tuple[list[Row], dict[int, str]]:
        """The range's certificate rows, and the status codes of those that had to be
        replayed (for persons with a certificate that lacks a usable settlement)."""
        rows = self._fetch(self._certificates, low, high, as_of)
        unsettled = [row[6] for row in rows if row[5] is None]
        if not unsettled:
            return rows, {}
        replayed = self._replay(unsettled, as_of)
        self._connection.rollback()
        return rows, replayed

    def _load(self, memo: Memo) -> None:
        connection = self._connection
        connection.execute(delete(_types))
        connection.execute(delete(_days))
        connection.execute(
            insert(_types),
            [
                {"type_code": c, "touches": t, "counting_code": code, "trade_code": trade}
                for c, t, code, trade in memo.type_table()
            ],
        )
        connection.execute(
            insert(_days), [{"day": day, "tenths": tenths} for day, tenths in memo.recent_days]
        )
        connection.commit()
        self._loaded = memo

    def _fetch(self, statement: SQLCompiler, low: int, high: int, as_of: date, **extra: int) -> Any:
        values = {"low": low, "high": high, "as_of": as_of, **extra}
        if self._text_dates:
            values["as_of"] = as_of.isoformat()
        params: Any = statement.construct_params(values) or {}
        if statement.positional:
            params = tuple(params[name] for name in statement.positiontup or ())
        cursor = self._connection.connection.cursor()
        try:
            cursor.execute(statement.string, params)
            return cursor.fetchall()
        finally:
            cursor.close()
            self._connection.connection.rollback()  # no snapshot held between ranges

    def _replay(self, ids: list[int], as_of: date) -> dict[int, str]:
        schemes = load_catalog().schemes
        return {
            certificate_id: status_on(
                schemes[scheme].validity,
                issued=issued,
                valid_until=valid_until,
                events=events,
                as_of=as_of,
            ).code
            for certificate_id, scheme, issued, valid_until, events in read_logs(
                self._connection, ids
            )
        }

    def to_date(self, value: Any) -> date:
        if isinstance(value, date):
            return value
        found = self._dates.get(value)
        if found is None:
            found = self._dates[value] = date.fromisoformat(value)
        return found


_readers: dict[tuple[str, str | None], RangeReader] = {}
_memos: dict[tuple[str, str | None, date, str | None], Memo] = {}
_encoded: dict[tuple[str, str | None, date, str | None], _EncodedAnswers] = {}


def reset_caches() -> None:
    """Forget per-process memos and readers. Forked workers inherit the parent's caches,
    so a measurement that follows another in the same process must start from here."""
    _memos.clear()
    _encoded.clear()
    for reader in _readers.values():
        reader.close()
    _readers.clear()


def run_job(job: Job) -> tuple[bytes, Totals]:
    """One person-id range: its JSON lines (UTF-8) and its totals."""
    reader = _readers.get((job.url, job.scheme))
    if reader is None:
        reader = _readers[(job.url, job.scheme)] = RangeReader(make_engine(job.url), job.scheme)
    memo_key = (job.url, job.scheme, job.as_of, job.target)
    memo = _memos.get(memo_key)
    if memo is None:
        memo = _memos[memo_key] = Memo(load_policy(), job.as_of, job.target, reader.to_date)
        _encoded[memo_key] = _EncodedAnswers(memo)
    encoded = _encoded[memo_key]
    signed = reader.signatures(job.low, job.high, memo)
    apart = _answered_from_rows(reader, job, memo, signed)
    lines: list[bytes] = []
    persons: Counter[int] = Counter()
    certificates = 0
    provinces, answer_codes = _PROVINCE_JSON, memo.answer_codes
    for person, lowest, highest, unsettled, held, codes in signed:
        if unsettled or lowest != highest:
            province, answer_id = apart[person]
        else:
            province, answer_id = answer_codes(lowest, codes)
        persons[answer_id] += 1
        certificates += held
        lines.append(
            b'{"person":%d,"province":%b,%b' % (person, provinces[province], encoded[answer_id])
        )
    totals = Totals(persons=len(lines), certificates=certificates)
    for answer_id, count in persons.items():
        for name in memo.by_id[answer_id][1]:
            totals.counts[name] += count
    return (b"\n".join(lines) + b"\n") if lines else b"", totals


class _EncodedAnswers(dict[int, bytes]):
    """A memo's answer fragments as UTF-8, encoded once each."""

    def __init__(self, memo: Memo) -> None:
        super().__init__()
        self.memo = memo

    def __missing__(self, answer_id: int) -> bytes:
        encoded = self[answer_id] = self.memo.by_id[answer_id][0].encode()
        return encoded


def _answered_from_rows(
    reader: RangeReader, job: Job, memo: Memo, signed: list[Signed]
) -> dict[int, tuple[str | None, int]]:
    """Province and answer of the persons whose signature row cannot tell: those with a
    certificate whose status must be replayed from its event log, and those with
    certificates from several provinces (only the counting ones say where they are). Both
    are read from their certificate rows."""
    waiting = {row[0] for row in signed if row[3] or row[1] != row[2]}
    if not waiting:
        return {}
    rows, replayed = reader.read(job.low, job.high, job.as_of)
    rows = [row for row in rows if row[0] in waiting]
    return {
        person: (province, answer_id)
        for person, province, answer_id in memo.answer_range(rows, replayed)
    }


class _ProvinceJson(dict[str | None, bytes]):
    def __missing__(self, province: str | None) -> bytes:
        text = self[province] = json.dumps(province).encode()
        return text


_PROVINCE_JSON = _ProvinceJson()


def run_batch(
    url: str,
    *,
    scheme: str | None,
    as_of: date,
    target: str | None,
    out: IO[bytes],
    workers: int = 1,
    on_range: Callable[[int, int], None] | None = None,
    range_size: int = RANGE_SIZE,
) -> Totals:
    """Evaluate every person (holding `scheme`, if given); write JSON lines to `out` in
    UTF-8. Worker processes hand back bytes, which cost little to pass between them."""
    engine = make_engine(url)
    try:
        ranges = person_ranges(engine, range_size)
    finally:
        engine.dispose()
    jobs = [Job(url, scheme, as_of, target, low, high) for low, high in ranges]
    totals = Totals()
    if workers <= 1:
        results: Iterator[tuple[bytes, Totals]] = map(run_job, jobs)
        _collect(results, jobs, totals, out, on_range)
        return totals
    context = multiprocessing.get_context("fork" if _can_fork() else "spawn")
    with context.Pool(workers) as pool:
        _collect(pool.imap(run_job, jobs), jobs, totals, out, on_range)
    return totals


def _collect(
    results: Iterator[tuple[bytes, Totals]],
    jobs: list[Job],
    totals: Totals,
    out: IO[bytes],
    on_range: Callable[[int, int], None] | None,
) -> None:
    for job, (text, part) in zip(jobs, results, strict=True):
        out.write(text)
        totals.add(part)
        if on_range is not None:
            on_range(job.high - job.low, part.persons)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def write_summary(totals: Totals, path: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "persons": totals.persons,
                "certificates": totals.certificates,
                "counts": dict(sorted(totals.counts.items())),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
