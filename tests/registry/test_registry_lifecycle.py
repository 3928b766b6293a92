"""Status on a date from the scheme's rule and the event log (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.catalog import load_catalog
from certbridge.registry.lifecycle import (
    Event,
    settle,
    status_from_settled,
    status_on,
)

SPECIAL_OPERATION = load_catalog().scheme("special_operation").validity
SKILL_LEVEL = load_catalog().scheme("skill_level").validity
ISSUED = date(2020, 1, 1)

dates = st.dates(min_value=date(2020, 1, 2), max_value=date(2035, 12, 31))


@given(revoked_on=dates, as_of=dates)
def test_a_revoked_certificate_never_counts_after_its_revocation(
    revoked_on: date, as_of: date
) -> None:
    events = [
        Event("revoked", revoked_on, "依法撤销"),
        Event("reinstated", revoked_on + timedelta(days=1)),
    ]
    status = status_on(SKILL_LEVEL, issued=ISSUED, valid_until=None, events=events, as_of=as_of)
    if as_of >= revoked_on:
        assert status.code == "revoked"
        assert not status.counts
    else:
        assert status.code == "valid"


@given(suspended_on=dates, gap=st.integers(min_value=1, max_value=400), after=st.integers(0, 400))
def test_a_reinstated_certificate_counts_again(suspended_on: date, gap: int, after: int) -> None:
    reinstated_on = suspended_on + timedelta(days=gap)
    events = [Event("suspended", suspended_on), Event("reinstated", reinstated_on)]
    during = status_on(
        SKILL_LEVEL,
        issued=ISSUED,
        valid_until=None,
        events=events,
        as_of=reinstated_on - timedelta(days=1),
    )
    later = status_on(
        SKILL_LEVEL,
        issued=ISSUED,
        valid_until=None,
        events=events,
        as_of=reinstated_on + timedelta(days=after),
    )
    assert during.code == "suspended"
    assert later.code == "valid"


def test_events_after_the_as_of_date_are_ignored() -> None:
    events = [Event("revoked", date(2025, 6, 1), "x")]
    status = status_on(
        SKILL_LEVEL, issued=ISSUED, valid_until=None, events=events, as_of=date(2025, 5, 31)
    )
    assert status.code == "valid"


def test_before_its_issue_date_a_certificate_is_not_yet_issued() -> None:
    status = status_on(
        SKILL_LEVEL, issued=ISSUED, valid_until=None, events=[], as_of=date(2019, 12, 31)
    )
    assert status.code == "not_issued"
    assert not status.counts


def test_a_special_operation_certificate_is_review_due_in_the_window_and_still_counts() -> None:
    as_of = date(2022, 12, 1)  # 31 days before the 3-year review date
    status = status_on(
        SPECIAL_OPERATION,
        issued=ISSUED,
        valid_until=date(2026, 1, 1),
        events=[],
        as_of=as_of,
    )
    assert status.code == "review_due"
    assert status.label == "待复审"
    assert status.due_date == date(2023, 1, 1)
    assert status.counts


def test_a_missed_review_makes_the_certificate_lapse() -> None:
    status = status_on(
        SPECIAL_OPERATION,
        issued=ISSUED,
        valid_until=date(2026, 1, 1),
        events=[],
        as_of=date(2023, 3, 1),
    )
    assert status.code == "expired"
    assert not status.counts


def test_a_review_in_the_window_keeps_the_certificate_valid() -> None:
    events = [Event("reviewed", date(2022, 12, 15))]
    status = status_on(
        SPECIAL_OPERATION,
        issued=ISSUED,
        valid_until=date(2026, 1, 1),
        events=events,
        as_of=date(2023, 3, 1),
    )
    assert status.code == "valid"


SCHEMES = [load_catalog().scheme(code) for code in sorted(load_catalog().schemes)]
event_kinds = st.sampled_from(["reviewed", "reviewed", "reviewed", "suspended", "reinstated"])


@st.composite
def event_logs(draw: st.DrawFn) -> tuple[list[Event], date]:
    """An issue date and a log of events after it, as a registry could hold them."""
    issued = draw(st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 12, 31)))
    offsets = draw(st.lists(st.integers(0, 7000), max_size=6))
    kinds = draw(st.lists(event_kinds, min_size=len(offsets), max_size=len(offsets)))
    events = [Event(k, issued + timedelta(days=d)) for k, d in zip(kinds, offsets, strict=True)]
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        events.append(Event("revoked", issued + timedelta(days=draw(st.integers(0, 7000)))))
    return events, issued


@given(
    scheme=st.sampled_from(SCHEMES),
    log=event_logs(),
    printed_years=st.none() | st.integers(1, 8),
    later=st.integers(0, 4000),
)
def test_a_settlement_answers_as_the_event_log_on_every_date_from_its_last_event(
    scheme, log: tuple[list[Event], date], printed_years: int | None, later: int
) -> None:  # type: ignore[no-untyped-def]
    events, issued = log
    valid_until = issued + timedelta(days=365 * printed_years) if printed_years else None
    settled = settle(scheme.validity, issued=issued, valid_until=valid_until, events=events)
    as_of = settled.through + timedelta(days=later)
    expected = status_on(
        scheme.validity,
        issued=issued,
        valid_until=valid_until,
        events=events,
        as_of=as_of,
    )
    if settled.standing == "active":
        from_settled = status_from_settled(scheme.validity, settled, as_of)
        assert from_settled == expected
    else:
        assert expected.code == settled.standing


def test_a_settlement_answers_only_for_an_active_certificate_from_its_last_event() -> None:
    reviewed = settle(
        SPECIAL_OPERATION,
        issued=ISSUED,
        valid_until=None,
        events=[Event("reviewed", date(2023, 1, 1))],
    )
    assert reviewed.through == date(2023, 1, 1)
    assert status_from_settled(SPECIAL_OPERATION, reviewed, date(2023, 1, 1)).counts
    with pytest.raises(ValueError, match="only an active settlement"):
        status_from_settled(SPECIAL_OPERATION, reviewed, date(2022, 12, 31))
    suspended = settle(
        SKILL_LEVEL, issued=ISSUED, valid_until=None, events=[Event("suspended", date(2024, 5, 1))]
    )
    assert suspended.standing == "suspended"
    with pytest.raises(ValueError, match="only an active settlement"):
        status_from_settled(SKILL_LEVEL, suspended, date(2024, 6, 1))
