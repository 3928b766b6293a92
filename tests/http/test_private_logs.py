"""No ID number and no name in any log line, tracebacks included (issue 10.4).

The error paths run for real: a server (uvicorn, its own error logger) whose routes fail
with personal data in the exception and with a database error carrying row values, and a
command-line import that fails inside the database."""

from __future__ import annotations

import io
import logging
import logging.config
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn
from sqlalchemy.exc import IntegrityError

from certbridge.config import Settings
from certbridge.db import make_engine, make_session_factory
from certbridge.http.logging import configure_logging, private_traceback
from certbridge.identity import make_id_number, mask_id_number, normalize_id_number
from certbridge.registry.models import Person
from certbridge.web.app import create_app
from support import TEST_KEYS

NAME = "王涵芳"
ID_NUMBER = make_id_number("350581", date(1991, 12, 30), 415)
SPELLINGS = [
    ID_NUMBER,
    "T" + ID_NUMBER,
    f"{ID_NUMBER[:10]}-{ID_NUMBER[10:]}",
    " ".join(ID_NUMBER[i : i + 4] for i in range(0, 18, 4)),
    ID_NUMBER.translate({ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}),
]


def _assert_private(text: str) -> None:
    """Neither the name nor the ID number, in any spelling (separators and widths aside)."""
    assert NAME not in text
    for spelling in SPELLINGS:
        assert spelling not in text
    squeezed = normalize_id_number(text)
    assert ID_NUMBER[4:14] not in squeezed


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The production logging set-up (as in each server worker), writing to a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    saved_server = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    }
    # uvicorn's own default configuration first, as `uvicorn certbridge.web.asgi:app` does.
    logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
    configure_logging()
    buffer = io.StringIO()
    ours = root.handlers[0]
    assert isinstance(ours, logging.StreamHandler)
    ours.setStream(buffer)
    yield buffer
    root.handlers, level = saved
    root.setLevel(level)
    for name, (handlers, propagate) in saved_server.items():
        logging.getLogger(name).handlers = handlers
        logging.getLogger(name).propagate = propagate
        logging.getLogger(name).disabled = False


@contextmanager
def _serve(settings: Settings) -> Iterator[str]:
    """A real uvicorn server (its own error logger) with two routes that fail."""
    app = create_app(settings)

    @app.get("/api/v1/fails-with-personal-data")
    def fails() -> None:
        raise ValueError(f"持证人 {NAME}（{ID_NUMBER}）数据异常", {"name": NAME, "id": ID_NUMBER})

    @app.get("/api/v1/fails-in-the-database")
    def fails_in_the_database() -> None:
        session = app.state.session_factory()
        try:
            for _ in range(2):  # the same person twice: a unique violation with row values
                session.add(
                    Person(
                        id_hash="same",
                        id_masked=mask_id_number(ID_NUMBER),
                        id_kind="resident",
                        id_sealed=ID_NUMBER.encode(),
                        name=NAME,
                    )
                )
                session.flush()
        finally:
            session.close()

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def _get(url: str) -> tuple[int, str]:
    """Status and body of a GET, error answers included (stdlib only)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_server_errors_with_personal_data_leave_none_in_the_log(
    log_output: io.StringIO, settings: Settings
) -> None:
    with _serve(settings) as base:
        for path in ("fails-with-personal-data", "fails-in-the-database"):
            status, body = _get(f"{base}/api/v1/{path}?name={quote(NAME)}&id_number={ID_NUMBER}")
            assert status == 500
            _assert_private(body)
        _get(f"{base}/api/v1/certificates/T{ID_NUMBER}?name={quote(NAME)}")
    text = log_output.getvalue()
    assert "Traceback (most recent call last)" in text  # tracebacks are kept, privately
    assert "ValueError" in text
    assert "IntegrityError" in text
    assert "fails_in_the_database" in text
    _assert_private(text)


def test_records_of_any_logger_are_masked_in_message_traceback_and_stack(
    log_output: io.StringIO,
) -> None:
    log = logging.getLogger("certbridge.anything")
    for spelling in SPELLINGS:
        log.warning("holder %s", spelling)
    try:
        raise KeyError(ID_NUMBER, NAME)
    except KeyError:
        log.exception("lookup failed")
    log.info("here", stack_info=True, extra={"id_number": ID_NUMBER})
    logging.getLogger("uvicorn.error").error("from the server", exc_info=RuntimeError(NAME))
    text = log_output.getvalue()
    assert "KeyError" in text
    assert "from the server" in text
    _assert_private(text)


def test_the_servers_access_log_which_records_query_strings_stays_off(
    log_output: io.StringIO,
) -> None:
    logging.getLogger("uvicorn.access").info(
        '"GET /api/v1/certificates?name=%s HTTP/1.1" 200', NAME
    )
    assert NAME not in log_output.getvalue()


def test_a_private_traceback_keeps_frames_and_types_and_drops_arguments() -> None:
    try:
        try:
            raise LookupError(NAME)
        except LookupError as inner:
            raise RuntimeError(ID_NUMBER) from inner
    except RuntimeError as error:
        text = private_traceback(error)
    assert "builtins.LookupError" in text
    assert "builtins.RuntimeError" in text
    assert "test_a_private_traceback_keeps_frames_and_types_and_drops_arguments" in text
    _assert_private(text)


def test_a_failed_command_line_import_prints_no_personal_data(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "cli.sqlite3"
    shutil.copy(sqlite_template, database)
    with sqlite3.connect(database) as connection:  # the database refuses every new person
        connection.execute(
            "CREATE TRIGGER refuse_persons BEFORE INSERT ON persons "
            "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )
    batch = tmp_path / "batch.csv"
    batch.write_text(
        "姓名,证件号码,证书编号,证书类型,职业技能等级,发证机关,发证日期,有效期至,状态\n"
        f"{NAME},{ID_NUMBER},T{ID_NUMBER},低压电工作业,,山西省应急管理厅,2022-03-01,2028-03-01,\n",
        "utf-8",
    )
    env = {
        **os.environ,
        "CERTBRIDGE_ENVIRONMENT": "test",
        "CERTBRIDGE_DATABASE_URL": f"sqlite:///{database}",
        "CERTBRIDGE_HASH_KEY": TEST_KEYS.hash_key.decode(),
        "CERTBRIDGE_SEAL_KEY": TEST_KEYS.seal_key.decode(),
    }
    command = ["import", "--profile", "standard", "--department", "mem", "--province", "14"]
    run = subprocess.run(
        [sys.executable, "-m", "certbridge.cli.main", *command, str(batch)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "IntegrityError" in run.stderr
    _assert_private(run.stdout + run.stderr)


def test_every_engine_hides_statement_parameters(database_url: str) -> None:
    engine = make_engine(database_url)
    session = make_session_factory(engine)()
    try:
        session.add(
            Person(id_hash="x", id_masked="x", id_kind="resident", id_sealed=b"x", name=NAME)
        )
        session.add(
            Person(id_hash="x", id_masked="x", id_kind="resident", id_sealed=b"x", name=NAME)
        )
        with pytest.raises(IntegrityError) as raised:
            session.flush()
    finally:
        session.close()
        engine.dispose()
    assert NAME not in str(raised.value)
