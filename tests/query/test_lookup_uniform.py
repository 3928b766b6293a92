"""A right certificate number with a wrong name does the same work as an unknown number
(issue 10.14): the same statements, the same rows read, the same Python calls, on both
lookup paths (the FastAPI route's Session and the plain-ASGI fast path's RecordReader)
and both databases. How long each takes is measured in bench/lookup_uniformity.py, never
here."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from certbridge.config import Settings
from certbridge.errors import NotFound
from certbridge.identity import make_id_number
from certbridge.query.service import RecordReader, certificate_by_number, certificates_of_person
from certbridge.registry.service import Keys, record_event
from certbridge.web.app import create_app
from support import Registry

AS_OF = date(2026, 11, 29)
WRONG_NAME = "王小明"

Lookup = tuple[str, str]  # (number, name)


@pytest.fixture
def pairs(registry: Registry, session: Session) -> list[tuple[Lookup, Lookup]]:
    """(right number with a wrong name, unknown number of the same shape and that name)
    for a settled card and a suspended one (which the fast path reads with its log)."""
    person, id_number = registry.person("赵建华")
    card = registry.certificate(person, id_number, "低压电工作业", issued=date(2023, 2, 1))[1]
    building, number = registry.certificate(person, id_number, "建筑电工", issued=date(2024, 1, 8))
    record_event(
        session,
        building,
        kind="suspended",
        effective_on=date(2025, 3, 1),
        actor="test",
        reason="违章作业",
    )
    session.commit()
    unknown_card = "T" + make_id_number("140105", date(1988, 5, 6), 998)
    unknown_building = number[:-1] + ("7" if number[-1] != "7" else "8")
    return [
        ((card, WRONG_NAME), (unknown_card, WRONG_NAME)),
        ((number, WRONG_NAME), (unknown_building, WRONG_NAME)),
    ]


# ---------------------------------------------------------------- what runs


def _python_calls(lookup: Callable[[], object]) -> list[tuple[str, str]]:
    """Every Python and built-in function the lookup calls, in order."""
    calls: list[tuple[str, str]] = []

    def profile(frame: Any, what: str, arg: Any) -> None:
        if what == "call":
            calls.append((frame.f_code.co_filename, frame.f_code.co_qualname))
        elif what == "c_call":
            calls.append(("builtin", getattr(arg, "__qualname__", type(arg).__name__)))

    gc.disable()  # a collection would call finalisers in the middle of one trace only
    sys.setprofile(profile)
    try:
        lookup()
    except NotFound:
        pass
    finally:
        sys.setprofile(None)
        gc.enable()
    return calls


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """SQL run through the engine (the Session path)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _recording(reader: RecordReader, seen: list[tuple[str, int]]) -> None:
    """Wrap the reader's DBAPI reads: each statement with the number of rows it read."""
    read = reader._rows

    def rows(*args: Any) -> list[Any]:
        found = read(*args)
        seen.append((getattr(args[0], "sql", args[0]), len(found)))
        return found

    reader._rows = rows  # type: ignore[method-assign]


def _same(first: list[Any], second: list[Any]) -> None:
    """Equal lists, or the first place they part (a trace has thousands of entries)."""
    for index, (a, b) in enumerate(zip(first, second, strict=False)):
        assert a == b, f"the paths part at call {index}: {a} / {b}"
    assert len(first) == len(second)


def _lookups(source: Session | RecordReader, keys: Keys, pair: tuple[Lookup, Lookup]):  # type: ignore[no-untyped-def]
    return [
        lambda lookup=lookup: certificate_by_number(
            source, number=lookup[0], name=lookup[1], as_of=AS_OF, keys=keys
        )
        for lookup in pair
    ]


def _warm(*lookups: Callable[[], object]) -> None:
    # Caches, pooled connections and psycopg's prepared statements (after 5 runs) settle.
    for _ in range(8):
        for lookup in lookups:
            _python_calls(lookup)


# ---------------------------------------------------------------- the service


def test_a_wrong_name_runs_what_an_unknown_number_runs_through_a_session(
    session: Session, keys: Keys, statements: list[str], pairs: list[tuple[Lookup, Lookup]]
) -> None:
    for pair in pairs:
        wrong_name, unknown = _lookups(session, keys, pair)
        _warm(wrong_name, unknown)
        statements.clear()
        calls = _python_calls(wrong_name)
        ran, statements[:] = list(statements), []
        _same(calls, _python_calls(unknown))
        _same(ran, statements)
        assert len(ran) == 1


def test_a_wrong_name_runs_what_an_unknown_number_runs_on_the_fast_read(
    engine: Engine, keys: Keys, pairs: list[tuple[Lookup, Lookup]]
) -> None:
    reader = RecordReader(engine)
    try:
        for pair in pairs:
            wrong_name, unknown = _lookups(reader, keys, pair)
            _warm(wrong_name, unknown)
            read: list[tuple[str, int]] = []
            _recording(reader, read)
            calls = _python_calls(wrong_name)
            ran, read[:] = list(read), []
            _same(calls, _python_calls(unknown))
            _same(ran, read)
            assert [rows for _, rows in ran] == [0]
            del reader._rows  # back to the class's method
    finally:
        reader.close()


def test_a_wrong_name_with_a_right_id_number_runs_what_an_unknown_holder_runs(
    session: Session, keys: Keys, statements: list[str], registry: Registry
) -> None:
    person, id_number = registry.person("赵建华")
    registry.certificate(person, id_number, "低压电工作业", issued=date(2023, 2, 1))
    session.commit()
    unknown = make_id_number("140105", date(1988, 5, 6), 997)

    def holder(number: str) -> Callable[[], object]:
        return lambda: certificates_of_person(
            session, name=WRONG_NAME, id_number=number, as_of=AS_OF, keys=keys
        )

    _warm(holder(id_number), holder(unknown))
    statements.clear()
    calls = _python_calls(holder(id_number))
    ran, statements[:] = list(statements), []
    _same(calls, _python_calls(holder(unknown)))
    _same(ran, statements)


# ---------------------------------------------------------------- both HTTP paths


@pytest.fixture
def apps(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """The app with the plain-ASGI fast path, and one with only the FastAPI route."""
    fast_app = create_app(settings)
    route_app = create_app(settings.model_copy(update={"lookup_fast_path": False}))
    with TestClient(fast_app) as fast, TestClient(route_app) as route:
        yield fast, route
    fast_app.state.engine.dispose()
    route_app.state.engine.dispose()


def _path(lookup: Lookup) -> str:
    return f"/api/v1/certificates/{quote(lookup[0])}?name={quote(lookup[1])}"


def test_both_http_paths_answer_and_read_alike_for_a_wrong_name_and_an_unknown_number(
    apps: tuple[TestClient, TestClient], pairs: list[tuple[Lookup, Lookup]]
) -> None:
    fast, route = apps
    fast_reads: list[tuple[str, int]] = []
    _recording(fast.app.state.record_reader, fast_reads)  # type: ignore[attr-defined]
    route_statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        route_statements.append(statement)

    route_engine = route.app.state.engine  # type: ignore[attr-defined]
    event.listen(route_engine, "before_cursor_execute", record)
    try:
        for pair in pairs:
            answers = []
            for lookup in pair:
                fast_reads.clear()
                route_statements.clear()
                fast_answer, route_answer = fast.get(_path(lookup)), route.get(_path(lookup))
                assert fast_answer.status_code == route_answer.status_code == 404
                answers.append(
                    (
                        fast_answer.content,
                        list(fast_reads),
                        route_answer.content,
                        route_statements[:],
                    )
                )
            assert answers[0] == answers[1]
            assert [rows for _, rows in answers[0][1]] == [0]
    finally:
        event.remove(route_engine, "before_cursor_execute", record)
