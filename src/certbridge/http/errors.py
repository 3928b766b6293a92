"""Every refusal is a JSON body {"error": {code, message, field}} or a page, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.http.deps import Forbidden, RateLimited, Unauthorized, rate_limited_message
from certbridge.http.headers import security_headers

log = logging.getLogger("certbridge.http")

# Codes of Starlette's HTTP errors that say more than "http.<status>".
HTTP_CODES = {413: "request.too_large"}
FIELD_LABELS = {"name": "姓名", "id_number": "证件号码", "number": "证书编号", "q": "查询词"}


# Machine-read resources outside /api/: DID documents, status lists, JSON-LD contexts.
JSON_PREFIXES = ("/api/", "/issuers/", "/credentials/status/", "/contexts/")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(JSON_PREFIXES)


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        templates = request.app.state.templates
        page: Response = templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "code": code, "message": message},
            status_code=status,
            headers=headers,
        )
        return page
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "field": field}}


def _validation_message(error: dict[str, Any]) -> tuple[str, str | None]:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path")]
    field = location[-1] if location else None
    label = FIELD_LABELS.get(field or "", field or "参数")
    kind = str(error.get("type", ""))
    if kind == "missing":
        return f"缺少必填参数：{label}", field
    if kind in ("string_too_long", "too_long"):
        return f"{label}过长", field
    if kind in ("string_too_short", "too_short"):
        return f"{label}不能为空", field
    return f"{label}格式不正确（{error.get('msg', '')}）", field


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        return error_response(request, 422, exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        message, field = _validation_message(first)
        return error_response(request, 422, "request.invalid", message, field)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound) -> Response:
        return error_response(request, 404, "not_found", NOT_FOUND_MESSAGE)

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        return error_response(
            request,
            429,
            "rate_limited",
            rate_limited_message(exc),
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(Unauthorized)
    async def _unauthorized(request: Request, _exc: Unauthorized) -> Response:
        return error_response(
            request,
            401,
            "unauthorized",
            "需要有效的API令牌（Authorization: Bearer …）",
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return error_response(request, 403, "forbidden", exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "页面不存在", 405: "不支持该请求方法"}
        message = messages.get(exc.status_code, str(exc.detail))
        code = HTTP_CODES.get(exc.status_code, f"http.{exc.status_code}")
        return error_response(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # The traceback is logged by the server (uvicorn.error), through the same private
        # formatter (http.logging): frames and exception types, never their arguments.
        log.error("unexpected error on %s: %s", request.url.path, type(exc).__name__)
        response = error_response(request, 500, "internal", "服务内部错误，请稍后再试")
        # Sent from outside the middleware stack: add what SecurityHeadersMiddleware would.
        https = request.app.state.settings.public_base_url.startswith("https://")
        response.headers.update(
            {key.decode(): value.decode() for key, value in security_headers(https)}
        )
        return response


__all__ = ["HTMLResponse", "error_body", "error_response", "install_error_handlers"]
