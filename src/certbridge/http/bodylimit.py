"""A ceiling on request bodies (pure ASGI middleware, CERTBRIDGE_MAX_BODY_BYTES).

A declared Content-Length over the limit is refused before the app runs; a body without
one (chunked) is counted as it streams and refused as soon as it passes the limit. Either
way the answer is 413 through the app's error handlers: JSON under /api/, the error page
for forms. multipart/form-data is left alone: the batch upload route enforces its own
CERTBRIDGE_MAX_UPLOAD_BYTES on the file it stores.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from certbridge.http.errors import error_response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求内容过大（上限{limit}字节）")
        self.limit = limit


class BodySizeLimitMiddleware:
    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for key, value in scope["headers"]:
            if key == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                await self.app(scope, receive, send)
                return
            if key == b"content-length":
                declared = value
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(scope, receive, send, self.max_bytes)
            return
        received = 0

        async def counted_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted_receive, send)


async def _refuse(scope: Any, receive: Any, send: Any, limit: int) -> None:
    """Refused before the app reads anything, in the words of http.errors."""
    request = Request(scope, receive)
    error = BodyTooLarge(limit)
    response = error_response(request, 413, "request.too_large", str(error.detail))
    await response(scope, receive, send)
