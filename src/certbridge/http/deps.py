"""Typed dependency aliases for routers (SessionDep, KeysDep, …)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.auth.service import Principal, authenticate
from certbridge.config import Settings
from certbridge.errors import InputError
from certbridge.http.ratelimit import RateLimiter
from certbridge.registry.service import Keys


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate limited")
        self.retry_after = max(1, int(retry_after + 0.999))


class Unauthorized(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; the endpoint commits if it writes."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


# The cheap dependencies are async: a sync one costs a thread hand-off per request.
async def get_keys(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_host(
    settings: Settings, headers: Iterable[tuple[bytes, bytes]], client: Sequence[Any] | None
) -> str:
    """Who a request counts against: the peer, or the first X-Forwarded-For hop when the
    deployment says a trusted proxy sets it. Works on raw ASGI headers (query.fastpath)."""
    if settings.trust_forwarded_for:
        for key, value in headers:
            if key.lower() == b"x-forwarded-for" and value:
                return value.decode("latin-1").split(",")[0].strip()
    return str(client[0]) if client else "unknown"


def rate_limited_message(limited: RateLimited) -> str:
    return f"查询过于频繁，请{limited.retry_after}秒后再试"


async def limit_person_queries(request: Request) -> None:
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.check(
        client_host(
            request.app.state.settings, request.scope["headers"], request.scope.get("client")
        )
    )
    if wait > 0:
        raise RateLimited(wait)


async def today() -> date:
    return clock.today()


def current_principal(
    session: Annotated[Session, Depends(get_session)],
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized
    principal = authenticate(session, authorization.removeprefix("Bearer ").strip())
    if principal is None:
        raise Unauthorized
    return principal


SessionDep = Annotated[Session, Depends(get_session)]
KeysDep = Annotated[Keys, Depends(get_keys)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
TodayDep = Annotated[date, Depends(today)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
PersonQueryLimit = Depends(limit_person_queries)

__all__ = [
    "Forbidden",
    "InputError",
    "KeysDep",
    "PersonQueryLimit",
    "PrincipalDep",
    "RateLimited",
    "SessionDep",
    "SettingsDep",
    "TodayDep",
    "Unauthorized",
]
