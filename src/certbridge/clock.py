"""Today's date where certbridge works: China Standard Time. Pure.

Departments date suspensions, revocations and reviews in China's calendar, so a
certificate's standing turns at midnight Beijing time, whatever the server's own time
zone (a server kept in UTC would turn the day at 08:00). China has kept UTC+8 without
daylight saving since 1991, so a fixed offset is exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def today(now: datetime | None = None) -> date:
    """The date in China at `now` (default: this instant)."""
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


__all__ = ["CHINA", "today"]
