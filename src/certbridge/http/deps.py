"""Typed dependency aliases for routers (SessionDep, KeysDep, …)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.auth.service import Principal, authenticate
from certbridge.config import Settings
from certbridge.errors import InputError
from certbridge.http.guard import QueryGuard
from certbridge.http.humancheck import FORM_FIELD
from certbridge.registry.service import Keys


class RateLimited(Exception):
    def __init__(self, retry_after: float, what: str = "查询") -> None:
        super().__init__("rate limited")
        self.retry_after = max(1, int(retry_after + 0.999))
        self.message = f"{what}过于频繁，请{self.retry_after}秒后再试"


# Declared in OpenAPI (Swagger UI's Authorize button); absent or malformed -> None, and the
# routes that need a token answer 401 in our own words.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="cbt_…",
    description="API令牌（`certbridge token create` 生成）：Authorization: Bearer cbt_…",
)


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


def rate_limited_message(limited: RateLimited) -> str:
    return limited.message


async def limit_person_queries(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Count a person query against its budget: the API token's when a token is sent,
    else the client's (raised while it holds a proof-of-work pass)."""
    guard: QueryGuard = request.app.state.query_guard
    if credentials is not None:
        principal = await run_in_threadpool(
            _authenticate, request.app.state.session_factory, credentials.credentials
        )
        wait = guard.token_wait(principal.token_id)
    else:
        solution = guard.solution_of(request.scope["headers"])
        if solution is None and _is_form(request):
            field = (await request.form()).get(FORM_FIELD)
            solution = field if isinstance(field, str) else None
        wait, new_pass = guard.client_wait(
            request.scope["headers"], request.scope.get("client"), solution
        )
        if new_pass:
            request.state.new_pass = new_pass  # set as a cookie by http.headers
    if wait > 0:
        raise RateLimited(wait)


def _is_form(request: Request) -> bool:
    return request.method == "POST" and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )


def _authenticate(session_factory: Callable[[], Session], secret: str) -> Principal:
    session = session_factory()
    try:
        principal = authenticate(session, secret)
    finally:
        session.close()
    if principal is None:
        raise Unauthorized
    return principal


async def today() -> date:
    return clock.today()


def current_principal(
    session: Annotated[Session, Depends(get_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized
    principal = authenticate(session, credentials.credentials.strip())
    if principal is None:
        raise Unauthorized
    return principal


async def limit_batches(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> None:
    """Batch submissions per token per minute (CERTBRIDGE_BATCH_LIMIT_PER_MINUTE)."""
    guard: QueryGuard = request.app.state.query_guard
    wait = guard.batch_wait(principal.token_id)
    if wait > 0:
        raise RateLimited(wait, what="提交数据批次")


SessionDep = Annotated[Session, Depends(get_session)]
KeysDep = Annotated[Keys, Depends(get_keys)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
TodayDep = Annotated[date, Depends(today)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
PersonQueryLimit = Depends(limit_person_queries)
BatchLimit = Depends(limit_batches)

__all__ = [
    "BatchLimit",
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
