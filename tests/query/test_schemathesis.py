"""Property-based fuzzing of every documented endpoint: any input, never a 5xx."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from support import TEST_KEYS

from certbridge.config import Settings
from certbridge.web.app import create_app


@pytest.fixture
def api_schema(tmp_path: Path, sqlite_template: Path) -> Iterator[object]:
    database = tmp_path / "fuzz.sqlite3"
    shutil.copy(sqlite_template, database)
    app = create_app(
        Settings(
            environment="test",
            database_url=f"sqlite:///{database}",
            hash_key=TEST_KEYS.hash_key.decode(),
            seal_key=TEST_KEYS.seal_key.decode(),
            rate_limit_per_minute=0,
        )
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.engine.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}"
    )
    if response.status_code >= 400 and case.path.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"]
        assert error["message"]
