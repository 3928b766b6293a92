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

from sqlalchemy import Date, Engine, and_, bindparam, case, exists, func, literal, null, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter

from certbridge.catalog import load_catalog
from certbridge.db import make_engine
from certbridge.recognition.memo import Memo, Row
from certbridge.recognition.policy import load_policy
from certbridge.registry.lifecycle import status_on
from certbridge.registry.models import Certificate, IssuingAuthority
from certbridge.registry.settlement import read_logs

RANGE_SIZE = 20_000

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
        other = aliased(_certificates)
        query = query.where(
            exists().where(other.c.person_id == c.person_id, other.c.scheme == scheme)
        )
    return query


def _compile(statement: Any, engine: Engine) -> SQLCompiler:
    compiled = statement.compile(dialect=engine.dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


class RangeReader:
    """Reads a person-id range with a plain DBAPI cursor: the statement is compiled once
    for the dialect, and SQLite's text dates are parsed once per distinct value.
    Certificates without a usable settlement have their event logs replayed."""

    def __init__(self, engine: Engine, scheme: str | None) -> None:
        self.engine = engine
        self._certificates = _compile(_certificate_query(scheme), engine)
        self._text_dates = engine.dialect.name == "sqlite"
        self._dates: dict[Any, date] = {}

    def read(self, low: int, high: int, as_of: date) -> tuple[list[Row], dict[int, str]]:
        """The range's rows, and the status codes of those that had to be replayed."""
        values = self._certificates.construct_params(
            {"low": low, "high": high, "as_of": as_of.isoformat() if self._text_dates else as_of}
        )
        params: Any = values or {}
        if self._certificates.positional:
            params = tuple(params[name] for name in self._certificates.positiontup or ())
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self._certificates.string, params)
            rows: list[Row] = list(cursor.fetchall())
            cursor.close()
        finally:
            connection.close()
        unsettled = [row[6] for row in rows if row[5] is None]
        return rows, (self._replay(unsettled, as_of) if unsettled else {})

    def _replay(self, ids: list[int], as_of: date) -> dict[int, str]:
        schemes = load_catalog().schemes
        with self.engine.connect() as connection:
            return {
                certificate_id: status_on(
                    schemes[scheme].validity,
                    issued=issued,
                    valid_until=valid_until,
                    events=events,
                    as_of=as_of,
                ).code
                for certificate_id, scheme, issued, valid_until, events in read_logs(
                    connection, ids
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


def reset_caches() -> None:
    """Forget per-process memos and readers. Forked workers inherit the parent's caches,
    so a measurement that follows another in the same process must start from here."""
    _memos.clear()
    for reader in _readers.values():
        reader.engine.dispose()
    _readers.clear()


def run_job(job: Job) -> tuple[str, Totals]:
    """One person-id range: its JSON lines and its totals."""
    reader = _readers.get((job.url, job.scheme))
    if reader is None:
        reader = _readers[(job.url, job.scheme)] = RangeReader(make_engine(job.url), job.scheme)
    memo_key = (job.url, job.scheme, job.as_of, job.target)
    memo = _memos.get(memo_key)
    if memo is None:
        memo = _memos[memo_key] = Memo(load_policy(), job.as_of, job.target, reader.to_date)
    rows, replayed = reader.read(job.low, job.high, job.as_of)
    lines: list[str] = []
    persons: Counter[int] = Counter()
    answers, provinces = memo.by_id, _PROVINCE_JSON
    for person, province, answer_id in memo.answer_range(rows, replayed):
        persons[answer_id] += 1
        lines.append(
            f'{{"person":{person},"province":{provinces[province]},{answers[answer_id][0]}'
        )
    totals = Totals(persons=len(lines), certificates=len(rows))
    for answer_id, count in persons.items():
        for name in answers[answer_id][1]:
            totals.counts[name] += count
    return ("\n".join(lines) + "\n") if lines else "", totals


class _ProvinceJson(dict[str | None, str]):
    def __missing__(self, province: str | None) -> str:
        text = self[province] = json.dumps(province)
        return text


_PROVINCE_JSON = _ProvinceJson()


def run_batch(
    url: str,
    *,
    scheme: str | None,
    as_of: date,
    target: str | None,
    out: IO[str],
    workers: int = 1,
    on_range: Callable[[int, int], None] | None = None,
    range_size: int = RANGE_SIZE,
) -> Totals:
    """Evaluate every person (holding `scheme`, if given); write JSON lines to `out`."""
    engine = make_engine(url)
    try:
        ranges = person_ranges(engine, range_size)
    finally:
        engine.dispose()
    jobs = [Job(url, scheme, as_of, target, low, high) for low, high in ranges]
    totals = Totals()
    if workers <= 1:
        results: Iterator[tuple[str, Totals]] = map(run_job, jobs)
        _collect(results, jobs, totals, out, on_range)
        return totals
    context = multiprocessing.get_context("fork" if _can_fork() else "spawn")
    with context.Pool(workers) as pool:
        _collect(pool.imap(run_job, jobs), jobs, totals, out, on_range)
    return totals


def _collect(
    results: Iterator[tuple[str, Totals]],
    jobs: list[Job],
    totals: Totals,
    out: IO[str],
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
