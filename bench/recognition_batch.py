"""Batch recognition throughput: persons per second, database read included.

Usage (the query benchmark's database, about 1,000,000 certificates; see
docs/benchmarks.md):

    make bench-query          # builds bench/out/query/certbridge.sqlite3 once
    .venv/bin/python bench/recognition_batch.py bench/out/query/certbridge.sqlite3

or any database URL instead of the file (PostgreSQL, say, after `certbridge demo-data`
with CERTBRIDGE_DATABASE_URL pointing there).

Measures the batch path (status codes from each certificate's settlement in SQL,
memoised evaluator, 1 and 2 worker processes) against the peer it replaces, the
per-person ORM path that the API uses (load a person's certificates with their events,
evaluate, build the answer), over a sample, and prints the ratio and the ratio to the
100,000 persons/s goal. Before timing, the database is migrated and any certificate
without a settlement is settled (a one-time fill, as `certbridge db upgrade` does).
"""

from __future__ import annotations

import io
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from certbridge import migrations
from certbridge.catalog import load_catalog
from certbridge.db import make_engine
from certbridge.recognition import batch, service
from certbridge.recognition.engine import Profile, experience_from_certificates
from certbridge.registry.models import Certificate
from certbridge.registry.settlement import settle_stale

AS_OF = date(2026, 11, 29)
GOAL = 100_000
SAMPLE = 5_000


def batch_rate(url: str, workers: int) -> tuple[int, float]:
    batch.reset_caches()  # every run starts cold, whatever ran before in this process
    started = time.perf_counter()
    totals = batch.run_batch(
        url, scheme=None, as_of=AS_OF, target=None, out=io.BytesIO(), workers=workers
    )
    return totals.persons, totals.persons / (time.perf_counter() - started)


def orm_rate(url: str) -> tuple[int, float]:
    """The peer: one person at a time through the ORM, as GET /api/v1/recognition does."""
    engine = make_engine(url)
    catalog = load_catalog()
    started = time.perf_counter()
    with Session(engine) as session:
        for person_id in range(1, SAMPLE + 1):
            certificates = session.scalars(
                select(Certificate)
                .where(Certificate.person_id == person_id)
                .options(selectinload(Certificate.events), selectinload(Certificate.issuer))
            ).all()
            held = tuple(service.held_from_certificate(c, AS_OF, catalog) for c in certificates)
            profile = Profile(held, AS_OF, experience_from_certificates(held, AS_OF))
            service.answer(service.run(profile), experience_source="certificates")
    engine.dispose()
    return SAMPLE, SAMPLE / (time.perf_counter() - started)


def prepare(url: str) -> None:
    migrations.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        settled = settle_stale(connection)
    engine.dispose()
    if settled:
        print(f"settled {settled:,} certificates (one-time, not timed)")


def main() -> None:
    where = sys.argv[1] if len(sys.argv) > 1 else "bench/out/query/certbridge.sqlite3"
    if "://" in where:  # a database URL, e.g. PostgreSQL filled by `certbridge demo-data`
        url = where
    else:
        path = Path(where)
        if not path.exists():
            sys.exit(f"no database at {path}: see the usage in this file")
        url = f"sqlite:///{path}"
    prepare(url)
    _, peer = orm_rate(url)
    print(f"peer  ORM per person (sample {SAMPLE:,}): {peer:>10,.0f} persons/s")
    for workers in (1, 2):
        persons, rate = batch_rate(url, workers)
        print(
            f"batch {workers} worker(s), {persons:,} persons: {rate:>10,.0f} persons/s"
            f"  ({rate / peer:.1f}x peer, {rate / GOAL:.2f}x goal of {GOAL:,})"
        )


if __name__ == "__main__":
    main()
