"""Budgets counted by `limits`: in memory, in the real Redis, and when Redis is down."""

from __future__ import annotations

import logging
import socket

import pytest

from certbridge.http.ratelimit import Budget, Limiter

QUERIES = Budget("anonymous", 3)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_client_within_its_allowance_is_never_asked_to_wait() -> None:
    limiter = Limiter()
    assert [limiter.spend(QUERIES, "a") for _ in range(3)] == [0.0, 0.0, 0.0]


def test_the_query_over_the_allowance_is_told_how_long_to_wait() -> None:
    limiter = Limiter()
    for _ in range(3):
        limiter.spend(QUERIES, "a")
    wait = limiter.spend(QUERIES, "a")
    assert 1.0 <= wait <= 120.0


def test_clients_and_budgets_are_counted_apart() -> None:
    limiter = Limiter()
    one = Budget("anonymous", 1)
    assert limiter.spend(one, "a") == 0.0
    assert limiter.spend(one, "a") > 0
    assert limiter.spend(one, "b") == 0.0
    assert limiter.spend(Budget("token", 1), "a") == 0.0


def test_a_zero_allowance_disables_the_limit() -> None:
    limiter = Limiter()
    assert all(limiter.spend(Budget("anonymous", 0), "a") == 0.0 for _ in range(1000))


def test_a_thing_is_new_once_within_its_time() -> None:
    limiter = Limiter()
    assert limiter.first_use("altcha", "signature", 60) is True
    assert limiter.first_use("altcha", "signature", 60) is False
    assert limiter.first_use("altcha", "other", 60) is True


def test_work_and_memory_per_client_are_bounded_by_its_budget() -> None:
    """Issue 10.5: past 10,000 clients the old limiter scanned them all on every allowed
    request. Counted in work, never in time: a request reads its own client's entries only,
    and no client keeps more entries than its budget."""
    limiter = Limiter()
    storage = limiter._local_storage
    touched: list[str] = []
    acquire = storage.acquire_entry

    def counted(key: str, *args: int, **kwargs: int) -> bool:
        touched.append(key)
        return acquire(key, *args, **kwargs)

    storage.acquire_entry = counted  # type: ignore[method-assign]
    for client in range(12_000):
        limiter.spend(QUERIES, f"10.0.{client // 256}.{client % 256}")
    touched.clear()
    for _ in range(10):
        limiter.spend(QUERIES, "203.0.113.7")
    assert len(set(touched)) == 1
    assert max(len(entries) for entries in storage.events.values()) <= QUERIES.per_minute


def test_two_limiters_on_one_redis_share_one_budget(redis_url: str, redis_prefix: str) -> None:
    first, second = Limiter(redis_url, redis_prefix), Limiter(redis_url, redis_prefix)
    spent = [limiter.spend(QUERIES, "a") for limiter in (first, second, first, second)]
    assert spent[:3] == [0.0, 0.0, 0.0]
    assert spent[3] >= 1.0
    assert first.shared


def test_a_solution_used_in_one_process_is_used_for_the_other(
    redis_url: str, redis_prefix: str
) -> None:
    first, second = Limiter(redis_url, redis_prefix), Limiter(redis_url, redis_prefix)
    assert first.first_use("altcha", "signature", 60) is True
    assert second.first_use("altcha", "signature", 60) is False


def test_an_unreachable_redis_falls_back_to_this_process_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The decision for a configured but down Redis: keep limiting, per process, and log."""
    limiter = Limiter(f"redis://127.0.0.1:{_closed_port()}/0", "certbridge-test-down")
    with caplog.at_level(logging.WARNING, logger="certbridge.ratelimit"):
        spent = [limiter.spend(QUERIES, "a") for _ in range(4)]
        assert limiter.first_use("altcha", "signature", 60) is True
        assert limiter.first_use("altcha", "signature", 60) is False
    assert spent[:3] == [0.0, 0.0, 0.0]
    assert spent[3] >= 1.0
    warnings = [r for r in caplog.records if r.name == "certbridge.ratelimit"]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()
