"""Evaluate every holder of a scheme straight from the tables (a department planning capacity).

Rows are read in person-id ranges, one per certificate with its status code worked out
in SQL from the certificate's settlement (registry.settlement; no event logs replayed
unless a settlement is missing); the policy is compiled once per process; ranges are spread
over worker processes. Each person gives one compact JSON line; the totals are summed.
"""

from __future__ import annotations

import functools
import itertools
import json
import multiprocessing
import operator
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from certbridge.recognition.engine import (
    Held,
    Profile,
    evaluate,
    experience_from_certificates,
    jurisdiction_of,
    standing,
    years_between,
)
from certbridge.recognition.policy import Compiled, Policy, load_policy
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.models import Certificate, CertificateEvent, IssuingAuthority

RANGE_SIZE = 20_000

_certificates = Certificate.__table__
_events = CertificateEvent.__table__
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


# A certificate row of the batch query: person, type, level, issued, issuing province,
# status code (None: see the replayed codes), certificate id. Dates are whatever the
# driver returns (text on SQLite).
Row = Sequence[Any]
COUNTING = frozenset({"valid", "review_due"})

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
        c, e = _certificates.c, _events.c
        codes: dict[int, str] = {}
        catalog = load_catalog()
        with self.engine.connect() as connection:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                logs: dict[int, list[Event]] = {}
                for certificate_id, kind, effective_on in connection.execute(
                    select(e.certificate_id, e.kind, e.effective_on)
                    .where(e.certificate_id.in_(chunk))
                    .order_by(e.certificate_id, e.id)
                ):
                    logs.setdefault(certificate_id, []).append(Event(kind, effective_on))
                for certificate_id, scheme, issued_on, valid_until in connection.execute(
                    select(c.id, c.scheme, c.issued_on, c.valid_until).where(c.id.in_(chunk))
                ):
                    codes[certificate_id] = status_on(
                        catalog.schemes[scheme].validity,
                        issued=issued_on,
                        valid_until=valid_until,
                        events=logs.get(certificate_id, ()),
                        as_of=as_of,
                    ).code
        return codes

    def to_date(self, value: Any) -> date:
        if isinstance(value, date):
            return value
        found = self._dates.get(value)
        if found is None:
            found = self._dates[value] = date.fromisoformat(value)
        return found


def summarize(
    held: list[Held],
    as_of: date,
    target: str | None,
    compiled_for: Callable[[str | None], Compiled],
) -> tuple[str, list[str]]:
    """One person's answer as a JSON fragment (without the person) and its totals keys."""
    profile = Profile(
        certificates=tuple(held),
        as_of=as_of,
        experience_years=experience_from_certificates(held, as_of),
        target=target,
    )
    result = evaluate(profile, compiled_for(jurisdiction_of(profile)))
    record = {
        "exemptions": [[x.target, x.code, list(x.basis.rule_ids)] for x in result.exemptions],
        "deemed": [[d.occupation, d.level, list(d.basis.rule_ids)] for d in result.deemed_levels],
        "eligible": [
            [x.occupation, x.level, x.met, list(x.missing), list(x.basis.rule_ids)]
            for x in result.eligible_levels
        ],
    }
    keys = [f"exemption {x.target} {x.code}" for x in result.exemptions]
    keys.extend(f"deemed {d.occupation} {d.level}" for d in result.deemed_levels)
    keys.extend(
        f"eligible {x.occupation} {x.level} {'met' if x.met else 'not_met'}"
        for x in result.eligible_levels
    )
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))[1:], keys


class Memo:
    """Answers by signature: persons whose certificates agree on type, level, standing and
    tenth of a year held get the same answer, so it is computed once.

    The evaluator reads dates only through whole tenths of years held (thresholds are whole
    years, shortfalls are shown rounded up to 0.1 year), and a province only matters when
    the policy has a provision for it. Statuses and tenths are memoised too, by the raw
    column values, so a person whose answer is known costs a few dictionary look-ups."""

    def __init__(
        self,
        policy: Policy,
        as_of: date,
        target: str | None,
        to_date: Callable[[Any], date] = lambda value: value,
    ) -> None:
        self.as_of, self.target = as_of, target
        self.provinces = policy.provinces_with_provisions()
        self.answers: dict[tuple[object, ...], tuple[str, list[str]]] = {}
        self._compiled = functools.partial(policy.in_force, as_of)
        self.relevant, self.cap = _relevance(policy)
        self._to_date = to_date
        self._tenths: dict[Any, int] = {}

    def answer(self, held: list[Held]) -> tuple[str | None, str, list[str]]:
        """The answer for certificates already seen as Held (the reference path)."""
        signature, provinces = [], set()
        for h in held:
            counts = standing(h, self.as_of)[0]
            if counts and h.province:
                provinces.add(h.province)
            if h.type_code in self.relevant:
                signature.append(
                    (h.type_code, h.level, counts, h.status == "revoked", self.tenths(h.issued))
                )
        province, key = self._key(signature, provinces)
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = summarize(held, self.as_of, self.target, self._compiled)
        return province, found[0], found[1]

    def answer_rows(
        self, rows: list[Row], replayed: Mapping[int, str]
    ) -> tuple[str | None, tuple[object, ...]]:
        """One person's province and answer key, straight from the rows; the answer is
        `self.answers[key]`. Held objects are only built when the key is new."""
        signature, provinces = [], set()
        relevant, tenths_of = self.relevant, self._tenths
        for _person, type_code, level, issued, province, code, cid in rows:
            if code is None:
                code = replayed[cid]
            counts = code in COUNTING
            if counts and province:
                provinces.add(province)
            if type_code in relevant:
                tenths = tenths_of.get(issued)
                if tenths is None:
                    tenths = self.tenths(issued)
                signature.append((type_code, level, counts, code == "revoked", tenths))
        province, key = self._key(signature, provinces)
        if key not in self.answers:
            held = [
                Held(t, lv, self._to_date(i), None, replayed.get(cid) or code, province=p)
                for _person, t, lv, i, p, code, cid in rows
            ]
            self.answers[key] = summarize(held, self.as_of, self.target, self._compiled)
        return province, key

    def _key(
        self, signature: list[tuple[Any, ...]], provinces: set[str]
    ) -> tuple[str | None, tuple[object, ...]]:
        province = provinces.pop() if len(provinces) == 1 else None
        return province, (province if province in self.provinces else None, *sorted(signature))

    def tenths(self, issued: Any) -> int:
        """Whole tenths of a year held on the as-of date (capped; -1 before issue)."""
        found = self._tenths.get(issued)
        if found is None:
            day = self._to_date(issued)
            found = (
                min(int(years_between(day, self.as_of) * 10), self.cap) if day <= self.as_of else -1
            )
            self._tenths[issued] = found
        return found


def _relevance(policy: Policy) -> tuple[frozenset[str], int]:
    """Types the evaluator can read, and the tenths of a year past which age no longer matters
    (every year threshold of the policy is met)."""
    catalog = load_catalog()
    occupations = {o for r in policy.rules.values() for o in r.occupations}
    types = {c for c, t in catalog.types.items() if t.occupation in occupations}
    for rule in policy.rules.values():
        types.update(rule.holding, rule.targets)
    for row in policy.rows:
        types.update(row.from_types)
        types.add(row.to_type)
    years = [max(r.years_after_level, r.years_in_trade) for r in policy.rules.values()]
    return frozenset(types), int(max(years, default=0) * 10) + 1


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
    persons: Counter[tuple[object, ...]] = Counter()
    answers, provinces = memo.answers, _PROVINCE_JSON
    for person, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        certificates = list(group)
        province, key = memo.answer_rows(certificates, replayed)
        persons[key] += 1
        lines.append(f'{{"person":{person},"province":{provinces[province]},{answers[key][0]}')
    totals = Totals(persons=len(lines), certificates=len(rows))
    for key, count in persons.items():
        for name in answers[key][1]:
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
