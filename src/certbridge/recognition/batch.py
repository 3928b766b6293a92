"""Evaluate every holder of a scheme straight from the tables (a department planning capacity).

Persons are read in id ranges, one row each with the entry codes of their certificates
(recognition.batch_sql; statuses from each certificate's settlement, no event logs
replayed unless a settlement is missing), and answered by a memo (recognition.memo) built
once per process. Ranges are spread over worker processes; each person gives one compact
JSON line, and the totals are summed.
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
    Engine,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.sql.compiler import SQLCompiler

from certbridge.catalog import load_catalog
from certbridge.db import make_engine
from certbridge.recognition.batch_sql import (
    DAYS,
    POLICY_VIEW,
    TYPES,
    certificate_query,
    signature_query,
)
from certbridge.recognition.memo import Memo, Row
from certbridge.recognition.policy import load_policy
from certbridge.registry.lifecycle import status_on
from certbridge.registry.models import Certificate
from certbridge.registry.settlement import read_logs

RANGE_SIZE = 20_000
# A person's row of the signature query (RangeReader.signatures).
Signed = tuple[int, str | None, str | None, int, int, str | None]

_certificates = Certificate.__table__


@dataclass(frozen=True)
class Job:
    url: str
    scheme: str | None
    as_of: date
    target: str | None
    low: int
    high: int  # exclusive
    province: str | None = None  # the exam province chosen for everyone


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
        self._signatures = _compile(signature_query(scheme, engine.dialect.name), engine)
        self._certificates = _compile(certificate_query(scheme), engine)
        self._text_dates = engine.dialect.name == "sqlite"
        self._dates: dict[Any, date] = {}
        self._connection = engine.connect()
        try:
            POLICY_VIEW.create_all(self._connection)
            self._connection.commit()
        except BaseException:
            self._connection.close()
            raise
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
        try:
            return rows, self._replay(unsettled, as_of)
        finally:
            self._connection.rollback()

    def _load(self, memo: Memo) -> None:
        connection = self._connection
        connection.execute(delete(TYPES))
        connection.execute(delete(DAYS))
        connection.execute(
            insert(TYPES),
            [
                {"type_code": c, "touches": t, "counting_code": code, "trade_code": trade}
                for c, t, code, trade in memo.type_table()
            ],
        )
        connection.execute(
            insert(DAYS), [{"day": day, "tenths": tenths} for day, tenths in memo.recent_days]
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
# a memo and its answers encoded, per (url, scheme, as-of date, target, province)
_memos: dict[
    tuple[str, str | None, date, str | None, str | None], tuple[Memo, _EncodedAnswers]
] = {}


def reset_caches() -> None:
    """Forget per-process memos and readers. Forked workers inherit the parent's caches,
    so a measurement that follows another in the same process must start from here."""
    _memos.clear()
    for reader in _readers.values():
        reader.close()
    _readers.clear()


def run_job(job: Job) -> tuple[bytes, Totals]:
    """One person-id range: its JSON lines (UTF-8) and its totals."""
    reader = _readers.get((job.url, job.scheme))
    if reader is None:
        reader = _readers[(job.url, job.scheme)] = RangeReader(make_engine(job.url), job.scheme)
    memo_key = (job.url, job.scheme, job.as_of, job.target, job.province)
    if memo_key not in _memos:
        memo = Memo(load_policy(), job.as_of, job.target, reader.to_date, job.province)
        _memos[memo_key] = (memo, _EncodedAnswers(memo))
    memo, encoded = _memos[memo_key]
    signed = reader.signatures(job.low, job.high, memo)
    apart = _answered_from_rows(reader, job, memo, signed)
    lines: list[bytes] = []
    persons: Counter[int] = Counter()
    certificates = 0
    provinces, answer_codes = _PROVINCE_JSON, memo.answer_codes
    by_own_province = job.province is None
    for person, lowest, highest, unsettled, held, codes in signed:
        if unsettled or (by_own_province and lowest != highest):
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
    are read from their certificate rows (the latter only when no exam province is
    chosen for everyone)."""
    by_own_province = job.province is None
    waiting = {row[0] for row in signed if row[3] or (by_own_province and row[1] != row[2])}
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
    province: str | None = None,
) -> Totals:
    """Evaluate every person (holding `scheme`, if given), under the provisions of the exam
    province `province` if chosen, else of each person's (engine.jurisdiction); write JSON
    lines to `out` in UTF-8. Worker processes hand back bytes, which cost little to pass
    between them."""
    engine = make_engine(url)
    try:
        ranges = person_ranges(engine, range_size)
    finally:
        engine.dispose()
    jobs = [Job(url, scheme, as_of, target, low, high, province) for low, high in ranges]
    totals = Totals()
    if workers <= 1:
        try:
            _collect(map(run_job, jobs), jobs, totals, out, on_range)
        finally:
            reset_caches()  # closes the reader's held connection
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


def write_summary(totals: Totals, path: Path, province: str | None = None) -> None:
    path.write_text(
        json.dumps(
            {
                "persons": totals.persons,
                "certificates": totals.certificates,
                # the exam province chosen for everyone; null: each holder's own, from the
                # one province of their counting certificates (the line's "province")
                "province": province,
                "counts": dict(sorted(totals.counts.items())),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
