"""Logging without personal data: no query strings, no exception arguments, ID numbers masked.

Personal data reaches a log in three ways, each closed here:
- messages: `MaskIdNumbers` masks anything shaped like an ID number in every record;
- tracebacks: `PrivateFormatter` prints frames and exception types but never an exception's
  message or arguments (a database error carries row values: names, ID numbers); the
  engines also hide SQL parameters (db.py, hide_parameters);
- the server's own loggers (uvicorn.error) go through the same handler; uvicorn's access
  log (it records query strings) is off in favour of `AccessLogMiddleware`.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from types import TracebackType
from typing import Any

from certbridge.identity import mask_text_id_numbers

access_log = logging.getLogger("certbridge.access")

WITHHELD = "(details withheld from the log: they may hold personal data)"


class MaskIdNumbers(logging.Filter):
    """Mask anything shaped like an ID number in a record's message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text_id_numbers(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = private_traceback(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_text_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text_id_numbers(record.stack_info)
        return True


def private_traceback(error: BaseException) -> str:
    """The chain of exceptions with their frames and types, never their arguments."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__
    parts = []
    for position, item in enumerate(reversed(chain)):
        if position:
            parts.append("\nThe above exception led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        kind = type(item)
        parts.append(f"{kind.__module__}.{kind.__qualname__}: {WITHHELD}\n")
    return mask_text_id_numbers("".join(parts).rstrip("\n"))


class PrivateFormatter(logging.Formatter):
    """Formats the time once per second, not once per line (the server writes a line per
    request, and strftime was a visible share of the hot path, profiled), and formats
    exceptions and stacks without personal data even for records no filter has seen."""

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

    def formatException(self, ei: Any) -> str:  # noqa: N802
        error = ei[1] if ei else None
        return private_traceback(error) if error is not None else ""

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return mask_text_id_numbers(stack_info)


# The server's loggers, routed to our handler; its access log stays off (query strings).
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
SERVER_ACCESS_LOGGER = "uvicorn.access"


def private_handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskIdNumbers())
    return handler


def configure_logging(level: int = logging.INFO) -> None:
    # Lines carry no thread, process or caller, so skip collecting them for every record.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # the documented switch that skips the caller lookup
    root = logging.getLogger()
    root.handlers = [private_handler()]
    root.setLevel(level)
    # Whatever uvicorn configured before importing the app (its default log config gives
    # these loggers handlers of their own), they now propagate to ours.
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers = []
        server_logger.propagate = True
    logging.getLogger(SERVER_ACCESS_LOGGER).disabled = True


def private_excepthook(
    kind: type[BaseException], error: BaseException, _tb: TracebackType | None
) -> None:
    """For command-line entry points: an unexpected error is reported without its
    arguments (a database error's message carries row values), never as a raw traceback."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, _tb)
        return
    sys.stderr.write(
        f"错误：内部错误（{kind.__name__}），操作未完成。以下记录不含个人信息：\n"
        f"{private_traceback(error)}\n"
    )


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
