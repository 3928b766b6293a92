"""kill -9 in the middle of an import, then the same command again: same state, no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from certbridge.exchange.models import ImportChunk, ImportRun, QuarantinedRow
from certbridge.registry.models import Certificate, CertificateEvent, Person
from support import TEST_KEYS

ROWS = 4_000
BAD_EVERY = 97


def _command(path: Path) -> list[str]:
    code = "from certbridge.exchange.cli import app; app()"
    return [sys.executable, "-c", code, "import", "--profile", "standard", "--province", "14",
            "--chunk-rows", "25", "--json", str(path)]  # fmt: skip


def _env(database_url: str) -> dict[str, str]:
    return os.environ | {
        "CERTBRIDGE_DATABASE_URL": database_url,
        "CERTBRIDGE_HASH_KEY": TEST_KEYS.hash_key.decode(),
        "CERTBRIDGE_SEAL_KEY": TEST_KEYS.seal_key.decode(),
    }


def _chunks(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(ImportChunk)) or 0)


def _state(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        counts = {
            model.__tablename__: int(
                connection.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in (Person, Certificate, CertificateEvent, QuarantinedRow, ImportRun)
        }
        duplicates = connection.scalar(
            text(
                "SELECT count(*) FROM (SELECT number_key, type_code FROM certificates "
                "GROUP BY number_key, type_code HAVING count(*) > 1) d"
            )
        )
        run = connection.execute(select(ImportRun)).one()
    return counts | {
        "duplicates": int(duplicates or 0),
        "rows_read": run.rows_read,
        "accepted": run.accepted,
        "rejected": run.rejected,
    }


def test_an_import_killed_at_any_moment_resumes_to_the_uninterrupted_state(
    database_url: str, engine: Engine, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [files.special_operation_row(i) for i in range(ROWS)]
    for i in range(0, ROWS, BAD_EVERY):
        rows[i][6] = "2022-02-30"
    path = files.csv(rows)
    process = subprocess.Popen(
        _command(path), env=_env(database_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while _chunks(engine) < 5 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the import finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if process.stderr:
        process.stderr.close()
    interrupted = _chunks(engine)
    assert 5 <= interrupted < ROWS // 25

    finished = subprocess.run(
        _command(path), env=_env(database_url), capture_output=True, text=True, check=True
    )

    assert '"resumed": true' in finished.stdout
    rejected = len(range(0, ROWS, BAD_EVERY))
    assert _state(engine) == {
        "persons": ROWS - rejected,
        "certificates": ROWS - rejected,
        "certificate_events": ROWS - rejected,
        "exchange_quarantine": rejected,
        "exchange_runs": 1,
        "duplicates": 0,
        "rows_read": ROWS,
        "accepted": ROWS - rejected,
        "rejected": rejected,
    }
