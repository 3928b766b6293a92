"""Headers every response carries, pages and API alike (pure ASGI middleware).

- Content-Security-Policy: scripts only from this origin, never inline (the /docs start-up
  script and every page script are files under /static); no framing; forms post here only.
  Inline styles stay allowed: Swagger UI sets style attributes from script.
- Referrer-Policy no-referrer: /v/{token} URLs are secrets and must not leak to links.
- X-Content-Type-Options nosniff, X-Frame-Options DENY (older browsers' frame-ancestors).
- Strict-Transport-Security when the public base URL is HTTPS.

It also sets the proof-of-work pass cookie that a request earned (http.humancheck): a
dependency cannot add headers to a response that a route built itself.
"""

from __future__ import annotations

from typing import Any, Final

from certbridge.http.humancheck import PASS_COOKIE

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS: Final = "max-age=31536000"


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
    ]
    if https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


def pass_cookie(value: str, max_age: int, https: bool) -> bytes:
    secure = "; Secure" if https else ""
    cookie = f"{PASS_COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}"
    return cookie.encode("latin-1")


class SecurityHeadersMiddleware:
    def __init__(self, app: Any, *, https: bool, pass_seconds: int) -> None:
        self.app = app
        self.https = https
        self.pass_seconds = pass_seconds
        self.headers = security_headers(https)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *self.headers]
                new_pass = scope.get("state", {}).get("new_pass")
                if new_pass:
                    headers.append(
                        (b"set-cookie", pass_cookie(new_pass, self.pass_seconds, self.https))
                    )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
