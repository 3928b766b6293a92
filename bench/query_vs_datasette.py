"""One-certificate lookup: `GET /api/v1/certificates/{number}?name=…` against datasette
serving the same certificates from its own SQLite file (primary-key row lookup).

    .venv/bin/python bench/query_vs_datasette.py            # (or: make bench)

1. Builds, once, into bench/out/query/ (reused while the parameters match):
   - certbridge's database with `certbridge demo-data` (timed: certificates per second);
   - datasette's file `certs.db`: a `certificates` table keyed by the clear number with
     the fields our answer displays, from the same seeded plan (certbridge stores only
     keyed hashes of numbers, so the plan is replayed to know them);
   - the targets: random (number, holder name) pairs, as one URL path per line per server.
2. Starts each server in turn on 127.0.0.1 (never two at once), checks a few answers,
   warms it up, then drives it with wrk for a fixed time: same connections, same duration.
3. Prints requests/s, p50/p99 latency and errors of each run, and the ratios.

Needs wrk (Debian: `apt-get install -y wrk`). All data is synthetic.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette.utils import tilde_encode

from certbridge.catalog import Catalog, load_catalog
from certbridge.demo.plan import PlannedCertificate, PlannedPerson, plan_demo
from certbridge.identity import province_name
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.service import authority_name, display_number

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
LUA = HERE / "wrk_paths.lua"
HOST = "127.0.0.1"  # the only address this script ever sends load to


@dataclass(frozen=True)
class Params:
    people: int
    seed: int
    anchor: str
    targets: int


@dataclass
class Run:
    server: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


# ---------------------------------------------------------------- building the data


def build(out: Path, params: Params) -> dict[str, Any]:
    """Both databases and the targets; each reused while built with the same parameters."""
    stamp = out / "params.json"
    built: dict[str, Any] = json.loads(stamp.read_text("utf-8")) if stamp.exists() else {}
    if built.get("params") != asdict(params):
        shutil.rmtree(out, ignore_errors=True)
        built = {"params": asdict(params)}
    out.mkdir(parents=True, exist_ok=True)
    if "demo_data" not in built:
        built["demo_data"] = run_demo_data(out, params)
        stamp.write_text(json.dumps(built, indent=2), "utf-8")
    if "datasette_rows" not in built:
        (out / "certs.db").unlink(missing_ok=True)
        built["datasette_rows"] = write_datasette_db(out, params)
        stamp.write_text(json.dumps(built, indent=2), "utf-8")
    return built


def run_demo_data(out: Path, params: Params) -> dict[str, Any]:
    command = [
        str(BIN / "certbridge"),
        "demo-data",
        f"--people={params.people}",
        f"--seed={params.seed}",
        f"--anchor={params.anchor}",
    ]
    env = {**os.environ, "CERTBRIDGE_DATA_DIR": str(out), "CERTBRIDGE_DATABASE_URL": ""}
    print("building certbridge's database:", " ".join(command[1:]))
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    with sqlite3.connect(out / "certbridge.sqlite3") as db:
        certificates = db.execute("SELECT count(*) FROM certificates").fetchone()[0]
    print(f"  {certificates:,} certificates in {seconds:.0f}s ({certificates / seconds:,.0f}/s)")
    return {"certificates": certificates, "seconds": round(seconds, 1)}


DATASETTE_SCHEMA = """
CREATE TABLE certificates (
    number TEXT PRIMARY KEY,
    number_display TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    scheme TEXT NOT NULL,
    type TEXT NOT NULL,
    occupation TEXT,
    level TEXT,
    issuer TEXT NOT NULL,
    department TEXT NOT NULL,
    province TEXT NOT NULL,
    institution TEXT,
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL
)"""


def write_datasette_db(out: Path, params: Params) -> int:
    """The same certificates as one flat table keyed by the clear number.

    A 特种作业 card number may cover several 操作项目 (several rows in certbridge):
    datasette keeps the first, and such numbers are left out of the targets so that
    both servers answer every request with exactly one certificate."""
    catalog = load_catalog()
    anchor = date.fromisoformat(params.anchor)
    institutions, people = plan_demo(catalog, people=params.people, seed=params.seed, anchor=anchor)
    names = [i.name for i in institutions]
    seen: dict[str, str] = {}  # number -> holder name; "" once the number repeats
    rows = 0
    print("building datasette's file certs.db from the same plan")
    with sqlite3.connect(out / "certs.db") as db:
        db.execute(DATASETTE_SCHEMA)
        for batch in _batches(people, 5_000):
            values = []
            for person in batch:
                for cert in person.certificates:
                    if cert.number in seen:
                        seen[cert.number] = ""
                        continue
                    seen[cert.number] = person.name
                    values.append(_datasette_row(catalog, person, cert, names, anchor))
            db.executemany(f"INSERT INTO certificates VALUES ({','.join('?' * 15)})", values)
            rows += len(values)
    write_targets(out, [(n, name) for n, name in seen.items() if name], params)
    print(f"  {rows:,} rows")
    return rows


def _batches(people: Iterator[PlannedPerson], size: int) -> Iterator[list[PlannedPerson]]:
    batch: list[PlannedPerson] = []
    for person in people:
        batch.append(person)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _datasette_row(
    catalog: Catalog,
    person: PlannedPerson,
    cert: PlannedCertificate,
    institution_names: list[str],
    anchor: date,
) -> tuple[object, ...]:
    scheme = catalog.scheme(cert.type.scheme)
    status = status_on(
        scheme.validity,
        issued=cert.issued_on,
        valid_until=cert.valid_until,
        events=[Event(e.kind, e.effective_on, e.reason) for e in cert.events],
        as_of=anchor,
        review_label=scheme.validity.review_kind_zh,
    )
    occupation = catalog.occupations.get(cert.type.occupation) if cert.type.occupation else None
    province = province_name(cert.province_code) or ""
    return (
        cert.number,
        display_number(scheme.code, cert.number),
        person.name,
        scheme.name_zh,
        cert.type.name_zh,
        occupation.name_zh if occupation else None,
        catalog.levels[cert.level].label if cert.level else None,
        authority_name(scheme.department, province),
        catalog.departments[scheme.department].short_zh,
        province,
        None if cert.institution is None else institution_names[cert.institution],
        cert.issued_on.isoformat(),
        status.valid_until.isoformat() if status.valid_until else None,
        status.label,
        status.reason,
    )


def write_targets(out: Path, pairs: list[tuple[str, str]], params: Params) -> None:
    chosen = random.Random(params.seed).sample(pairs, min(params.targets, len(pairs)))
    (out / "targets.json").write_text(json.dumps(chosen, ensure_ascii=False), "utf-8")
    (out / "paths_certbridge.txt").write_text(
        "".join(f"{certbridge_path(n, name)}\n" for n, name in chosen), "utf-8"
    )
    (out / "paths_datasette.txt").write_text(
        "".join(f"{datasette_path(n)}\n" for n, _ in chosen), "utf-8"
    )


def certbridge_path(number: str, name: str) -> str:
    return f"/api/v1/certificates/{quote(number, safe='')}?name={quote(name, safe='')}"


def datasette_path(number: str) -> str:
    # datasette 0.6x encodes primary keys in row URLs with its own "tilde encoding";
    # objects (not arrays) so that the answer names its fields, as ours does.
    return f"/certs/certificates/{tilde_encode(number)}.json?_shape=objects"


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("w") as log_file:
        server = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_until_up(server, port)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}: {server.args}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start within 120 s")


def certbridge_server(out: Path, port: int, workers: int) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "CERTBRIDGE_DATABASE_URL": f"sqlite:///{out / 'certbridge.sqlite3'}",
        # The per-client limit would refuse a single load client after 30 queries.
        "CERTBRIDGE_RATE_LIMIT_PER_MINUTE": "0",
    }
    command = [str(BIN / "certbridge"), "serve", f"--host={HOST}", f"--port={port}"]
    return [*command, f"--workers={workers}"], env


def datasette_server(out: Path, port: int) -> tuple[list[str], dict[str, str]]:
    command = [str(BIN / "datasette"), "serve", "-i", str(out / "certs.db")]
    return [*command, "-h", HOST, "-p", str(port)], dict(os.environ)


def check_certbridge(port: int, targets: list[tuple[str, str]]) -> None:
    for number, name in targets:
        status, body = get(port, certbridge_path(number, name))
        assert status == 200, (status, number)
        [certificate] = body["certificates"]
        assert body["holder"]["name"] == name
        assert certificate["number"].startswith(number[0])
    number, name = targets[0]
    status, _ = get(port, certbridge_path(number, name + "某"))
    assert status == 404, "a wrong name must not find the certificate"


def check_datasette(port: int, targets: list[tuple[str, str]]) -> None:
    for number, name in targets:
        status, body = get(port, datasette_path(number))
        assert status == 200, (status, number)
        [row] = body["rows"]
        assert row["number"] == number
        assert row["holder_name"] == name


# ---------------------------------------------------------------- load


def wrk(port: int, paths: Path, seconds: int, connections: int, threads: int) -> str:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout=10s",
        "--latency",
        "-s",
        str(LUA),
        f"http://{HOST}:{port}",
    ]
    env = {**os.environ, "WRK_PATHS": str(paths)}
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def parse_wrk(server: str, text: str) -> Run:
    def number(pattern: str, default: str | None = None) -> str:
        found = re.search(pattern, text)
        if found is None:
            if default is None:
                raise ValueError(f"{pattern!r} not in wrk output:\n{text}")
            return default
        return found.group(1)

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return Run(
        server=server,
        requests_per_second=float(number(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(number(r"50%\s+([\d.]+\w+)")),
        p99_ms=_ms(number(r"99%\s+([\d.]+\w+)")),
        requests=int(number(r"(\d+) requests in")),
        non_2xx=int(number(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    assert found, value
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
    return float(found.group(1)) * scale


def measure(
    name: str,
    server: tuple[list[str], dict[str, str]],
    port: int,
    check: Any,
    paths: Path,
    args: argparse.Namespace,
    targets: list[tuple[str, str]],
) -> Run:
    command, env = server
    print(f"\n{name}: {Path(command[0]).name} {' '.join(command[1:])}")
    with serving(command, env, port, args.out / f"{name}.log"):
        check(port, targets[:20])
        wrk(port, paths, args.warmup, args.connections, args.threads)
        output = wrk(port, paths, args.duration, args.connections, args.threads)
    (args.out / f"{name}.wrk.txt").write_text(output, "utf-8")
    run = parse_wrk(name, output)
    print(
        f"  {run.requests_per_second:,.0f} req/s  p50 {run.p50_ms:.2f} ms  "
        f"p99 {run.p99_ms:.2f} ms  non-2xx {run.non_2xx}  socket errors {run.socket_errors}"
    )
    return run


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1],
        "datasette": _version("datasette"),
        "uvicorn": _version("uvicorn"),
        "certbridge": _version("certbridge"),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=515_000, help="≈ 1,000,000 certificates")
    parser.add_argument("--seed", type=int, default=20260116)
    parser.add_argument("--anchor", default="2026-11-29")
    parser.add_argument("--targets", type=int, default=50_000, help="distinct lookups")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before each run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", default="1,2", help="certbridge worker counts to run")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "query")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    params = Params(args.people, args.seed, args.anchor, args.targets)
    built = build(args.out, params)
    targets = [tuple(t) for t in json.loads((args.out / "targets.json").read_text("utf-8"))]
    runs = [
        measure(
            "datasette",
            datasette_server(args.out, port := free_port()),
            port,
            check_datasette,
            args.out / "paths_datasette.txt",
            args,
            targets,
        )
    ]
    for workers in (int(w) for w in args.workers.split(",")):
        runs.append(
            measure(
                f"certbridge-{workers}w",
                certbridge_server(args.out, port := free_port(), workers),
                port,
                check_certbridge,
                args.out / "paths_certbridge.txt",
                args,
                targets,
            )
        )
    report(args, built, runs)


def report(args: argparse.Namespace, built: dict[str, Any], runs: list[Run]) -> None:
    baseline = runs[0].requests_per_second
    demo = built["demo_data"]
    print(f"\n{demo['certificates']:,} certificates; {len(runs)} runs of {args.duration}s at ")
    print(f"{args.connections} connections (wrk, {args.threads} thread), one server at a time")
    print(f"{'server':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'× datasette':>13}")
    for run in runs:
        print(
            f"{run.server:<16}{run.requests_per_second:>10,.0f}{run.p50_ms:>9.2f}"
            f"{run.p99_ms:>9.2f}{run.non_2xx + run.socket_errors:>9}"
            f"{run.requests_per_second / baseline:>12.2f}×"
        )
    print(
        f"demo-data: {demo['certificates']:,} certificates in {demo['seconds']}s "
        f"({demo['certificates'] / demo['seconds']:,.0f} certificates/s)"
    )
    results = {
        "machine": machine(),
        "built": built,
        "settings": {k: str(v) for k, v in vars(args).items()},
        "runs": [asdict(r) for r in runs],
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=2), "utf-8")
    print(f"results: {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
