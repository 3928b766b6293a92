"""Today is China's date, whatever the server's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from certbridge import clock


def test_the_day_turns_at_midnight_in_beijing_not_in_utc() -> None:
    assert clock.today(datetime(2026, 11, 29, 15, 59, tzinfo=UTC)) == date(2026, 11, 29)
    assert clock.today(datetime(2026, 11, 29, 16, 0, tzinfo=UTC)) == date(2026, 11, 30)


@given(
    st.datetimes(min_value=datetime(1992, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-12, 14),
)
def test_the_same_instant_is_the_same_day_from_any_server_zone(
    moment: datetime, offset_hours: int
) -> None:
    here = moment.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=offset_hours)))
    assert clock.today(here) == (moment + timedelta(hours=8)).date()
