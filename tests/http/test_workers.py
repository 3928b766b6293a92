"""Two server processes on one Redis spend one budget (issue 10.5: N workers used to allow
N times the limit)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from support import TEST_KEYS

LIMIT = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start within 60 s")


@pytest.fixture
def two_servers(
    tmp_path: Path, sqlite_template: Path, redis_url: str, redis_prefix: str
) -> Iterator[list[int]]:
    database = tmp_path / "workers.sqlite3"
    shutil.copy(sqlite_template, database)
    env = {
        **os.environ,
        "CERTBRIDGE_ENVIRONMENT": "test",
        "CERTBRIDGE_DATABASE_URL": f"sqlite:///{database}",
        "CERTBRIDGE_HASH_KEY": TEST_KEYS.hash_key.decode(),
        "CERTBRIDGE_SEAL_KEY": TEST_KEYS.seal_key.decode(),
        "CERTBRIDGE_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "CERTBRIDGE_REDIS_URL": redis_url,
        "CERTBRIDGE_REDIS_PREFIX": redis_prefix,
    }
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    servers = []
    for port, log in zip(ports, logs, strict=True):
        command = ["-m", "uvicorn", "certbridge.web.asgi:app", "--port", str(port)]
        with log.open("wb") as output:
            servers.append(subprocess.Popen([sys.executable, *command], env=env, stderr=output))
    try:
        for server, port, log in zip(servers, ports, logs, strict=True):
            _wait_until_listening(server, port, log)
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)


def _get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            status, headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refusal:
        with refusal:
            status, headers, body = refusal.code, refusal.headers, refusal.read()
    return status, {k.lower(): v for k, v in headers.items()}, body.decode()


def test_two_server_processes_on_one_redis_allow_the_limit_once_not_twice(
    two_servers: list[int],
) -> None:
    name = quote("张伟")
    paths = [
        f"/api/v1/certificates?name={name}&id_number=110101199003071234",
        f"/api/v1/certificates/T110101199003071234?name={name}",  # the fast path
    ]
    answers = [_get(two_servers[i % 2], paths[i // 2 % 2]) for i in range(3 * LIMIT)]
    statuses = [status for status, _, _ in answers]
    assert statuses.count(429) == 2 * LIMIT, statuses
    assert 429 not in statuses[:LIMIT]
    _, headers, body = answers[-1]
    assert int(headers["retry-after"]) >= 1
    assert "查询过于频繁" in body
