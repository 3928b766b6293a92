"""Times a person reads, in China time (certbridge.clock.CHINA). Pure."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from certbridge.clock import CHINA


@lru_cache(maxsize=4096)  # a verifier formats the same few moments (lists, keys) again and again
def china_minute(moment: datetime) -> str:
    """2026-11-29 10:00（北京时间）: what verdicts, pages and printouts show."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + "（北京时间）"
