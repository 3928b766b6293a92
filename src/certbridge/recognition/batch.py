"""Evaluate every holder of a scheme straight from the tables (a department planning capacity).

Rows are read with SQLAlchemy Core in person-id ranges, ordered by person, certificate
and event (no ORM objects); the policy is compiled once per process; ranges are spread
over worker processes. Each person gives one compact JSON line; the totals are summed.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, and_, exists, func, select
from sqlalchemy.orm import aliased

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


def _query(scheme: str | None, low: int, high: int) -> Any:
    c, e, i = _certificates.c, _events.c, _issuers.c
    query = (
        select(
            c.person_id,
            c.id,
            c.type_code,
            c.scheme,
            c.level,
            c.issued_on,
            c.valid_until,
            i.province_code,
            e.kind,
            e.effective_on,
        )
        .select_from(
            _certificates.join(_issuers, i.id == c.issuer_id).outerjoin(
                _events, and_(e.certificate_id == c.id, e.kind != "issued")
            )
        )
        .where(c.person_id >= low, c.person_id < high)
        .order_by(c.person_id, c.id, e.effective_on, e.id)
    )
    if scheme is not None:
        other = aliased(_certificates)
        query = query.where(
            exists().where(other.c.person_id == c.person_id, other.c.scheme == scheme)
        )
    return query


@functools.lru_cache(maxsize=65_536)
def _status(
    scheme: str, issued: date, valid_until: date | None, events: tuple[Event, ...], as_of: date
) -> tuple[str, date | None]:
    status = status_on(
        load_catalog().schemes[scheme].validity,
        issued=issued,
        valid_until=valid_until,
        events=events,
        as_of=as_of,
    )
    return status.code, status.valid_until


def _held(row: Sequence[Any], events: tuple[Event, ...], as_of: date) -> Held:
    _person, _id, type_code, scheme, level, issued, valid_until, province = row[:8]
    if not events and valid_until is None:
        # 人社 certificates: no expiry, no status history beyond issue.
        code, until = ("valid" if issued <= as_of else "not_issued"), None
    else:
        code, until = _status(scheme, issued, valid_until, events, as_of)
    return Held(type_code, level, issued, until, code, province=province)


def _people(rows: Iterator[Sequence[Any]], as_of: date) -> Iterator[tuple[int, list[Held]]]:
    """Group ordered rows (certificate × event) into persons with their certificates."""
    person: int | None = None
    held: list[Held] = []
    current: Sequence[Any] | None = None
    events: list[Event] = []
    for row in rows:
        if current is not None and row[1] != current[1]:
            held.append(_held(current, tuple(events), as_of))
            events = []
            if row[0] != person:
                yield person or 0, held
                held = []
        if current is None or row[0] != person:
            person = row[0]
        current = row
        if row[8] is not None:
            events.append(Event(row[8], row[9]))
    if current is not None:
        held.append(_held(current, tuple(events), as_of))
        yield person or 0, held


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
    the policy has a provision for it."""

    def __init__(self, policy: Policy, as_of: date, target: str | None) -> None:
        self.as_of, self.target = as_of, target
        self.provinces = policy.provinces_with_provisions()
        self.answers: dict[tuple[object, ...], tuple[str, list[str]]] = {}
        self._compiled = functools.partial(policy.in_force, as_of)
        self.relevant, self.cap = _relevance(policy)

    def answer(self, held: list[Held]) -> tuple[str | None, str, list[str]]:
        as_of, relevant, cap = self.as_of, self.relevant, self.cap
        signature = []
        provinces = set()
        for h in held:
            counts = standing(h, as_of)[0]
            if counts and h.province:
                provinces.add(h.province)
            if h.type_code not in relevant:
                continue  # no rule reads it, and its occupation has no 申报条件
            tenths = min(int(years_between(h.issued, as_of) * 10), cap) if h.issued <= as_of else -1
            signature.append((h.type_code, h.level, counts, h.status == "revoked", tenths))
        province = provinces.pop() if len(provinces) == 1 else None
        key = (province if province in self.provinces else None, *sorted(signature))
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = summarize(held, as_of, self.target, self._compiled)
        return province, found[0], found[1]


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


_engines: dict[str, Engine] = {}
_memos: dict[tuple[date, str | None], Memo] = {}


def reset_caches() -> None:
    """Forget per-process memos and statuses. Forked workers inherit the parent's caches,
    so a measurement that follows another in the same process must start from here."""
    _memos.clear()
    _status.cache_clear()
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def run_job(job: Job) -> tuple[str, Totals]:
    """One person-id range: its JSON lines and its totals."""
    engine = _engines.get(job.url)
    if engine is None:
        engine = _engines[job.url] = make_engine(job.url)
    memo = _memos.get((job.as_of, job.target))
    if memo is None:
        memo = _memos[(job.as_of, job.target)] = Memo(load_policy(), job.as_of, job.target)
    totals = Totals()
    lines: list[str] = []
    with engine.connect() as connection:
        rows = connection.execute(_query(job.scheme, job.low, job.high))
        for person, held in _people(iter(rows), job.as_of):
            province, fragment, keys = memo.answer(held)
            lines.append(f'{{"person":{person},"province":{json.dumps(province)},{fragment}')
            totals.persons += 1
            totals.certificates += len(held)
            totals.counts.update(keys)
    return ("\n".join(lines) + "\n") if lines else "", totals


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
