"""Access logging without personal data: no query strings, ID-number-like runs masked."""

from __future__ import annotations

import logging
import time
from typing import Any

from certbridge.identity import mask_text_id_numbers

access_log = logging.getLogger("certbridge.access")


class MaskIdNumbers(logging.Filter):
    """Last line of defence: mask anything shaped like an ID number in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text_id_numbers(record.getMessage())
        record.args = None
        return True


class SecondCachedFormatter(logging.Formatter):
    """Formats the time once per second, not once per line: the server writes a line per
    request, and strftime was a visible share of the hot path (profiled)."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self._second = -1
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(record.created))
        return f"{self._stamp},{int(record.msecs):03d}"


def configure_logging(level: int = logging.INFO) -> None:
    # Lines carry no thread, process or caller, so skip collecting them for every record.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # the documented switch that skips the caller lookup
    handler = logging.StreamHandler()
    handler.setFormatter(SecondCachedFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskIdNumbers())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


class AccessLogMiddleware:
    """Pure ASGI middleware: one line per request with the path but never the query string."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder = {"status": 0}

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                # The path goes last: digits after it (the status) would otherwise join a
                # number at its end into something the ID-number mask takes for one.
                elapsed = (time.perf_counter() - started) * 1000
                path = mask_text_id_numbers(scope["path"])
                access_log.info(
                    f"{scope['method']} {status_holder['status']} {elapsed:.1f}ms {path}"
                )
