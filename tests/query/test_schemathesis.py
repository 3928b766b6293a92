"""Property-based fuzzing of every documented endpoint: any input, never a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from certbridge import migrations
from certbridge.config import Settings
from certbridge.web.app import create_app
from support import TEST_KEYS

# Schemathesis reads the schema when the module loads, so the app (on its own
# migrated SQLite file) is built here rather than in a fixture.
_database = Path(tempfile.mkdtemp(prefix="certbridge-fuzz-")) / "fuzz.sqlite3"
migrations.upgrade(f"sqlite:///{_database}")
app = create_app(
    Settings(
        environment="test",
        database_url=f"sqlite:///{_database}",
        hash_key=TEST_KEYS.hash_key.decode(),
        seal_key=TEST_KEYS.seal_key.decode(),
        rate_limit_per_minute=0,
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=50,
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
