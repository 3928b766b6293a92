"""Redis for the shared-budget tests: the real server on 127.0.0.1:6379, a key prefix of
each test's own, its keys deleted afterwards. Missing Redis skips here and fails in CI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from support import skip_or_fail

REDIS_URL = os.environ.get("CERTBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {type(error).__name__}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"certbridge-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()
