"""The hottest route as plain ASGI: GET /api/v1/certificates/{number}?name=…

Profiling showed the framework's routing, parameter binding and response classes cost
more than the lookup itself (docs/benchmarks.md). This middleware answers that one route
before FastAPI sees it, with the same bytes, status and headers as the FastAPI route.
Anything it is not sure of (another method, a missing, repeated or over-long `name`, a
path with more segments, an API token or a proof-of-work solution to check) falls through
to the FastAPI route, which stays the documented and validated definition; a test compares
both answers byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import anyio

from certbridge import clock
from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.http.deps import RateLimited, rate_limited_message
from certbridge.http.errors import error_body
from certbridge.http.guard import QueryGuard
from certbridge.query.schemas import NAME_MAX_LENGTH
from certbridge.query.service import RecordReader, certificate_by_number
from certbridge.registry.service import Keys

PREFIX = "/api/v1/certificates/"

ASGIApp = Callable[..., Any]

# On a server database at most this many lookups run in worker threads at once: more only
# contend for the GIL and open connections beyond the pool (measured).
LOOKUP_THREADS = anyio.CapacityLimiter(4)
# A token (a database look-up) or a proof-of-work solution (a check, then a cookie) is left
# to the FastAPI route.
_ROUTE_HEADERS = frozenset((b"authorization", b"x-altcha"))


class CertificateLookupFastPath:
    """Pure ASGI middleware serving the by-number lookup; every other request passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = _lookup_request(scope)
        if request is None:
            await self.app(scope, receive, send)
            return
        number, name = request
        state = scope["app"].state
        status, body, headers = await _answer(state, scope, number, name)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _lookup_request(scope: Any) -> tuple[str, str] | None:
    """(number, name) when this is a plain lookup the fast path may answer, else None."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    path: str = scope["path"]
    if not path.startswith(PREFIX):
        return None
    number = path[len(PREFIX) :]
    if not number or "/" in number:
        return None
    # Decoded as Starlette decodes query strings, so both paths see the same name.
    names = [
        value
        for key, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if key == "name"
    ]
    if len(names) != 1 or not 1 <= len(names[0]) <= NAME_MAX_LENGTH:
        return None
    for key, _ in scope.get("headers", ()):
        if key in _ROUTE_HEADERS:
            return None
    return number, names[0]


async def _answer(
    state: Any, scope: Any, number: str, name: str
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    guard: QueryGuard = state.query_guard
    reader: RecordReader = state.record_reader
    keys: Keys = state.keys
    as_of = clock.today()

    def lookup() -> bytes:
        answer = certificate_by_number(reader, number=number, name=name, as_of=as_of, keys=keys)
        return answer.model_dump_json().encode()

    try:
        wait, _ = guard.client_wait(scope["headers"], scope.get("client"))
        if wait > 0:
            raise RateLimited(wait)
        if state.engine.dialect.name == "sqlite":
            # A read of a few cached pages: cheaper in-line than a thread hand-off.
            return 200, lookup(), []
        return 200, await anyio.to_thread.run_sync(lookup, limiter=LOOKUP_THREADS), []
    except NotFound:
        return 404, _error_body("not_found", NOT_FOUND_MESSAGE, None), []
    except InputError as error:
        return 422, _error_body(error.code, error.message, error.field), []
    except RateLimited as limited:
        retry = (b"retry-after", str(limited.retry_after).encode())
        return 429, _error_body("rate_limited", rate_limited_message(limited), None), [retry]


def _error_body(code: str, message: str, field: str | None) -> bytes:
    # Serialised exactly as Starlette's JSONResponse serialises http.errors' bodies.
    body = error_body(code, message, field)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
