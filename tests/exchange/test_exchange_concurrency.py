"""Two imports of the same file at once: the second is told the first is under way (409 on
the API, exit 3 on the CLI), never an IntegrityError; the first ends as a clean import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from certbridge.auth.service import create_token
from certbridge.db import make_session_factory
from certbridge.errors import InputError
from certbridge.exchange.locks import ImportInProgress
from certbridge.exchange.models import ImportChunk, ImportRun, QuarantinedRow
from certbridge.exchange.profile import load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.service import ImportRequest, import_file
from certbridge.registry.models import Certificate, Person
from certbridge.registry.service import Keys
from support import TEST_KEYS

TODAY = date(2026, 1, 16)


def _request(chunk_rows: int = 10) -> ImportRequest:
    return ImportRequest(
        profile=load_profile("standard"),
        issuer=Issuer("mem", "14"),
        actor="test",
        today=TODAY,
        chunk_rows=chunk_rows,
    )


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            int(connection.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Person, Certificate, QuarantinedRow, ImportRun)
        )


def test_a_second_import_of_a_file_under_way_is_told_so_and_the_first_ends_clean(
    engine: Engine, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [files.special_operation_row(i) for i in range(60)]
    rows[7][6] = "2022-02-30"
    path = files.csv(rows)
    sessions = make_session_factory(engine)
    outcome: list[BaseException | str] = []

    def second_import() -> None:  # a real import, on its own thread and connection
        with sessions() as session:
            try:
                import_file(session, path, _request(), keys)
                outcome.append("imported")
            except InputError as exc:
                outcome.append(exc)

    def during_first(_rows: int) -> None:
        if not outcome:
            thread = threading.Thread(target=second_import)
            thread.start()
            thread.join()

    with sessions() as session:
        report = import_file(session, path, _request(), keys, during_first)

    assert isinstance(outcome[0], ImportInProgress)
    assert outcome[0].code == "exchange.in_progress"
    assert "该文件正在导入" in outcome[0].message
    assert (report.accepted, report.rejected, report.balanced) == (59, 1, True)
    assert _counts(engine) == (59, 59, 1, 1)
    with sessions() as session:  # once the first has ended, the same file is "done"
        assert import_file(session, path, _request(), keys).already_imported


def test_the_batch_api_answers_409_while_the_same_batch_is_being_imported(
    client: TestClient, engine: Engine, session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    _, secret = create_token(session, role="department", scope="mem:14")
    session.commit()
    path = files.csv([files.special_operation_row(i) for i in range(30)])
    answers = []

    def post_meanwhile(_rows: int) -> None:
        if not answers:
            with path.open("rb") as stream:
                answers.append(
                    client.post(
                        "/api/v1/exchange/batches",
                        headers={"Authorization": f"Bearer {secret}"},
                        data={"profile": "standard"},
                        files={"file": (path.name, stream, "text/csv")},
                    )
                )

    with make_session_factory(engine)() as importing:
        import_file(importing, path, _request(), keys, post_meanwhile)

    assert answers[0].status_code == 409
    error = answers[0].json()["error"]
    assert error["code"] == "exchange.in_progress"
    assert error["message"].startswith("该文件正在导入")
    assert _counts(engine) == (30, 30, 0, 1)


def _command(path: Path) -> list[str]:
    code = "from certbridge.exchange.cli import app; app()"
    return [sys.executable, "-c", code, "import", "--profile", "standard", "--province", "14",
            "--chunk-rows", "25", "--json", str(path)]  # fmt: skip


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    return os.environ | {
        "CERTBRIDGE_DATABASE_URL": database_url,
        "CERTBRIDGE_DATA_DIR": str(data_dir),
        "CERTBRIDGE_HASH_KEY": TEST_KEYS.hash_key.decode(),
        "CERTBRIDGE_SEAL_KEY": TEST_KEYS.seal_key.decode(),
    }


def _chunks(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(ImportChunk)) or 0)


@pytest.mark.parametrize("rows", [3_000])
def test_two_concurrent_command_line_imports_of_one_file_never_print_a_database_error(
    database_url: str, engine: Engine, files, data_dir: Path, rows: int
) -> None:  # type: ignore[no-untyped-def]
    path = files.csv([files.special_operation_row(i) for i in range(rows)])
    env = _env(database_url, data_dir)
    first = subprocess.Popen(_command(path), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while _chunks(engine) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    # Held still mid-import (as a slow import would be) while the second one runs.
    os.kill(first.pid, signal.SIGSTOP)
    try:
        assert first.poll() is None, "the first import ended before the second could start"
        second = subprocess.run(
            _command(path), env=env, capture_output=True, text=True, check=False, timeout=300
        )
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out, err = first.communicate(timeout=300)

    assert second.returncode == 3, second.stderr
    assert "该文件正在导入" in second.stderr
    assert "Error" not in second.stderr
    assert "Traceback" not in second.stderr
    assert "*" not in second.stderr  # no masked ID number
    assert not any(name in second.stderr for name in ("王建国", "李秀英", "张伟"))
    assert first.returncode == 0, err
    assert '"status": "completed"' in out
    assert _counts(engine) == (rows, rows, 0, 1)
