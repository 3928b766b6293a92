"""By-number lookup: how long a right number with a wrong name takes against an unknown
number (issue 10.14: the first was 50–80 µs slower, so 30 timings told whether a number
exists 68 % of the time). In-process, on the query benchmark's database.

    .venv/bin/python bench/lookup_uniformity.py                 # after bench/query_vs_datasette.py
    .venv/bin/python bench/lookup_uniformity.py --out DIR --samples 20000

Reads DIR/certbridge.sqlite3 and DIR/targets.json (number, holder name) as
`bench/query_vs_datasette.py` builds them (default DIR: bench/out/query). For each source
of the service (`RecordReader`, the plain-ASGI fast path's read, and a `Session`, the
FastAPI route's) it times `query.service.certificate_by_number`, and over HTTP on loopback
(`certbridge serve`, one worker, as the issue measured it) the whole request, for three
kinds of lookup,
interleaved in random order: a right number with a wrong name, an unknown number of the
same shape, and (for reference) a right number with its holder's name. Then it plays the
attacker: a number's 30 timings are classed as "exists" when their median is above the
midpoint of the two kinds' medians; the accuracy over many draws is 50 % when timing tells
nothing. All data is synthetic.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from certbridge.config import Settings
from certbridge.db import make_engine, make_session_factory
from certbridge.errors import NotFound
from certbridge.query.service import RecordReader, certificate_by_number
from certbridge.registry.service import certificate_lookup_key
from certbridge.runtime import keys_from

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
KINDS = ("wrong_name", "unknown", "right_name")
ATTACK_SAMPLES = 30


def lookups(targets: list[list[str]], count: int, seed: int) -> dict[str, list[tuple[str, str]]]:
    """`count` lookups of each kind; unknown numbers differ from a real one in one digit."""
    rng = random.Random(seed)
    chosen = rng.sample(targets, count)
    names = [name for _, name in targets]
    wrong, unknown = [], []
    for number, name in chosen:
        other = rng.choice(names)
        while other == name:
            other = rng.choice(names)
        wrong.append((number, other))
        position = max(i for i, c in enumerate(number) if c.isdigit())
        digit = str((int(number[position]) + rng.randint(1, 9)) % 10)
        unknown.append((number[:position] + digit + number[position + 1 :], other))
    return {"wrong_name": wrong, "unknown": unknown, "right_name": [tuple(t) for t in chosen]}  # type: ignore[misc]


def drop_existing(unknown: list[tuple[str, str]], exists: Callable[[str], bool]) -> None:
    unknown[:] = [(n, name) for n, name in unknown if not exists(n)]


def time_lookups(
    source: Any, keys: Any, kinds: dict[str, list[tuple[str, str]]], rounds: int, as_of: date
) -> dict[str, list[float]]:
    """Microseconds per lookup for each kind, the kinds interleaved in random order."""
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    rng = random.Random(7)
    size = min(len(v) for v in kinds.values())
    for _ in range(rounds):
        for index in range(size):
            order = list(kinds)
            rng.shuffle(order)
            for kind in order:
                number, name = kinds[kind][index]
                started = time.perf_counter_ns()
                with contextlib.suppress(NotFound):
                    certificate_by_number(source, number=number, name=name, as_of=as_of, keys=keys)
                timings[kind].append((time.perf_counter_ns() - started) / 1000)
    return timings


@contextlib.contextmanager
def server(database: Path) -> Iterator[http.client.HTTPConnection]:
    """`certbridge serve` on a free loopback port (no rate limit), and a kept-alive client."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "CERTBRIDGE_DATABASE_URL": f"sqlite:///{database}",
        "CERTBRIDGE_RATE_LIMIT_PER_MINUTE": "0",
    }
    command = [str(BIN / "certbridge"), "serve", f"--host={HOST}", f"--port={port}"]
    process = subprocess.Popen(
        [*command, "--workers=1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("certbridge serve did not start") from None
                time.sleep(0.2)
        connection = http.client.HTTPConnection(HOST, port)
        yield connection
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=20)


def time_requests(
    connection: http.client.HTTPConnection, kinds: dict[str, list[tuple[str, str]]], rounds: int
) -> dict[str, list[float]]:
    """Microseconds per request (sent to answer read) for each kind, interleaved."""
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    rng = random.Random(7)
    size = min(len(v) for v in kinds.values())
    for _ in range(rounds):
        for index in range(size):
            order = list(kinds)
            rng.shuffle(order)
            for kind in order:
                number, name = kinds[kind][index]
                path = f"/api/v1/certificates/{quote(number, safe='')}?name={quote(name, safe='')}"
                started = time.perf_counter_ns()
                connection.request("GET", path)
                connection.getresponse().read()
                timings[kind].append((time.perf_counter_ns() - started) / 1000)
    return timings


def report(timings: dict[str, list[float]], seed: int) -> dict[str, Any]:
    part: dict[str, Any] = {kind: summary(values) for kind, values in timings.items()}
    gap = part["wrong_name"]["median_us"] - part["unknown"]["median_us"]
    part["wrong_minus_unknown_median_us"] = round(gap, 1)
    part["attack_accuracy_30_samples"] = round(
        attack_accuracy(timings["wrong_name"], timings["unknown"], 20_000, seed), 3
    )
    return part


def attack_accuracy(exists: list[float], missing: list[float], trials: int, seed: int) -> float:
    """How often 30 timings of one number tell whether it exists (0.5: not at all)."""
    threshold = (statistics.median(exists) + statistics.median(missing)) / 2
    rng = random.Random(seed)
    right = 0
    for _ in range(trials):
        real = rng.random() < 0.5
        pool = exists if real else missing
        guess = statistics.median(rng.sample(pool, ATTACK_SAMPLES)) > threshold
        right += guess == real
    return right / trials


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_us": round(statistics.median(ordered), 1),
        "mean_us": round(statistics.fmean(ordered), 1),
        "p10_us": round(ordered[len(ordered) // 10], 1),
        "p90_us": round(ordered[len(ordered) * 9 // 10], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out" / "query")
    parser.add_argument("--lookups", type=int, default=2000, help="distinct numbers per kind")
    parser.add_argument("--rounds", type=int, default=5, help="passes over them")
    parser.add_argument("--anchor", default="2026-11-29")
    parser.add_argument("--seed", type=int, default=20260116)
    args = parser.parse_args()

    database = args.out / "certbridge.sqlite3"
    targets = json.loads((args.out / "targets.json").read_text("utf-8"))
    settings = Settings(database_url=f"sqlite:///{database}")
    keys = keys_from(settings)
    engine = make_engine(settings.resolved_database_url)
    session = make_session_factory(engine)()
    kinds = lookups(targets, args.lookups, args.seed)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None

        def exists(number: str) -> bool:
            key = certificate_lookup_key(number, keys)
            sql = "SELECT 1 FROM certificates WHERE number_key = ?"
            return raw.execute(sql, (key,)).fetchone() is not None

        drop_existing(kinds["unknown"], exists)
    as_of = date.fromisoformat(args.anchor)
    reader = RecordReader(engine)
    results: dict[str, Any] = {"lookups_per_kind": min(len(v) for v in kinds.values())}
    for label, source in (("record_reader", reader), ("session", session)):
        time_lookups(source, keys, kinds, 1, as_of)  # warm caches and pages
        results[label] = report(time_lookups(source, keys, kinds, args.rounds, as_of), args.seed)
    reader.close()
    session.close()
    engine.dispose()
    with server(database) as connection:
        time_requests(connection, kinds, 1)
        results["http"] = report(time_requests(connection, kinds, args.rounds), args.seed)
    print(f"{results['lookups_per_kind']} numbers per kind, {args.rounds} rounds, {database}")
    print(f"{'source':<14}{'kind':<12}{'median µs':>10}{'mean µs':>10}{'p10':>8}{'p90':>8}")
    for label in ("record_reader", "session", "http"):
        for kind in KINDS:
            s = results[label][kind]
            print(
                f"{label:<14}{kind:<12}{s['median_us']:>10}{s['mean_us']:>10}"
                f"{s['p10_us']:>8}{s['p90_us']:>8}"
            )
        gap = results[label]["wrong_minus_unknown_median_us"]
        accuracy = results[label]["attack_accuracy_30_samples"]
        print(f"{'':<14}wrong − unknown (median): {gap} µs; attacker right with 30: {accuracy:.1%}")
    (args.out / "lookup_uniformity.json").write_text(json.dumps(results, indent=2), "utf-8")


if __name__ == "__main__":
    main()
