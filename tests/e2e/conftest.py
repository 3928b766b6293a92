"""Browser fixtures: a certbridge server on a free port over a copy of the migrated
SQLite template, and Debian chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from browser_support import CHROMIUM
from certbridge.config import Settings
from certbridge.web.app import create_app
from support import TEST_KEYS, skip_or_fail


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Settings]]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        skip_or_fail("Debian chromium is not installed (apt-get install chromium)")
    database = tmp_path / "e2e.sqlite3"
    shutil.copy(sqlite_template, database)
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{database}",
        hash_key=TEST_KEYS.hash_key.decode(),
        seal_key=TEST_KEYS.seal_key.decode(),
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    thread.join(timeout=10)
