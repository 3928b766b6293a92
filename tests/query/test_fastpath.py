"""The plain-ASGI lookup answers exactly as the FastAPI route it stands in for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from certbridge.config import Settings
from certbridge.query.fastpath import _lookup_request
from certbridge.registry.service import record_event
from certbridge.web.app import create_app


@pytest.fixture
def holder(registry, session: Session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("赵𠮷")
    number = registry.certificate(person, id_number, "低压电工作业", issued=date(2023, 2, 1))[1]
    skill = registry.certificate(person, id_number, "电工", level=4, issued=date(2022, 6, 1))[1]
    building, suspended = registry.certificate(
        person, id_number, "建筑电工", issued=date(2024, 1, 8)
    )
    record_event(
        session,
        building,
        kind="suspended",
        effective_on=date(2025, 3, 1),
        actor="test",
        reason="违章作业",
    )
    session.commit()
    # The fast path answers from settled statuses; a suspension needs the event log.
    return {"name": "赵𠮷", "number": number, "skill": skill, "suspended": suspended}


@pytest.fixture
def both(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """A client with the fast path and one with only the FastAPI route."""
    fast_app = create_app(settings)
    slow_app = create_app(settings.model_copy(update={"lookup_fast_path": False}))
    with TestClient(fast_app) as fast, TestClient(slow_app) as slow:
        yield fast, slow
    fast_app.state.engine.dispose()
    slow_app.state.engine.dispose()


def _paths(holder: dict[str, str]) -> list[str]:
    name = quote(holder["name"])
    number = holder["number"]
    return [
        f"/api/v1/certificates/{number}?name={name}",
        f"/api/v1/certificates/{holder['skill']}?name={name}&extra=1",
        f"/api/v1/certificates/{holder['suspended']}?name={name}",
        f"/api/v1/certificates/{number}?name={quote('别人')}",  # wrong name
        f"/api/v1/certificates/T000000000000000000?name={name}",  # unknown number
        f"/api/v1/certificates/{quote('<script>')}?name={name}",  # refused shape
        f"/api/v1/certificates/{number}?name={quote('赵1')}",  # refused name
        f"/api/v1/certificates/{number}?name=",  # empty: FastAPI's own refusal
        f"/api/v1/certificates/{number}?name={'王' * 51}",  # over-long
        f"/api/v1/certificates/{number}",  # missing
        f"/api/v1/certificates/{number}?name=a&name={name}",  # repeated
    ]


def test_every_answer_of_the_fast_path_equals_the_framework_routes_byte_for_byte(
    both: tuple[TestClient, TestClient], holder: dict[str, str]
) -> None:
    fast, slow = both
    statuses = set()
    for path in _paths(holder):
        quick, reference = fast.get(path), slow.get(path)
        assert quick.status_code == reference.status_code, path
        assert quick.content == reference.content, path
        assert quick.headers["content-type"] == reference.headers["content-type"], path
        statuses.add(quick.status_code)
    assert statuses == {200, 404, 422}


def test_the_fast_path_counts_against_the_same_per_client_limit(
    settings: Settings, holder: dict[str, str]
) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 2}))
    path = f"/api/v1/certificates/{holder['number']}?name={quote(holder['name'])}"
    with TestClient(app) as client:
        assert [client.get(path).status_code for _ in range(2)] == [200, 200]
        limited = client.get(path)
        # The framework's person query shares the allowance the fast path used up.
        person_query = client.get(f"/api/v1/certificates?name=x&id_number={'1' * 18}")
    app.state.engine.dispose()
    assert person_query.status_code == 429
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"


def _scope(path: str, query: bytes = b"", method: str = "GET") -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "query_string": query}


@pytest.mark.parametrize(
    ("scope", "taken"),
    [
        (_scope("/api/v1/certificates/A1", b"name=%E5%BC%A0%E4%B8%89"), ("A1", "张三")),
        (_scope("/api/v1/certificates/A1", b"name=x&other=1"), ("A1", "x")),
        (_scope("/api/v1/certificates/A1", b"name=x", "POST"), None),
        (_scope("/api/v1/certificates/A1/verification-links", b"name=x"), None),
        (_scope("/api/v1/certificates/", b"name=x"), None),
        (_scope("/api/v1/certificates", b"name=x"), None),
        (_scope("/api/v1/certificates/A1", b"name=x&name=y"), None),
        (_scope("/api/v1/certificates/A1", b""), None),
        (_scope("/api/v1/certificates/A1", b"name="), None),
    ],
)
def test_only_plain_lookups_are_taken_by_the_fast_path(
    scope: dict[str, object], taken: tuple[str, str] | None
) -> None:
    assert _lookup_request(scope) == taken
