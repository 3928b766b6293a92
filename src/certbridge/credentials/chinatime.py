"""Times a person reads, in China time (certbridge.clock.CHINA). Pure."""

from __future__ import annotations

from datetime import datetime

from certbridge.clock import CHINA


def china_minute(moment: datetime) -> str:
    """2026-11-29 10:00（北京时间）: what verdicts, pages and printouts show."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + "（北京时间）"
