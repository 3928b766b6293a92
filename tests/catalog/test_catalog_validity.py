"""Expiry and review rules: properties and worked examples."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from certbridge.catalog import add_years, default_valid_until, load_catalog, validity_on

SCHEMES = load_catalog().schemes
SKILL = SCHEMES["skill_level"].validity
SPECIAL_OPERATION = SCHEMES["special_operation"].validity
CONSTRUCTION = SCHEMES["construction"].validity
SPECIAL_EQUIPMENT = SCHEMES["special_equipment"].validity

issue_dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2030, 12, 31))
days = st.integers(min_value=0, max_value=3650)


def _d(text: str) -> date:
    return date.fromisoformat(text)


# ---------------------------------------------------------------- properties


@given(issued=issue_dates, later=days)
def test_a_certificate_without_expiry_is_always_valid(issued: date, later: int) -> None:
    state = validity_on(
        SKILL, issued=issued, valid_until=None, reviews=(), as_of=issued + timedelta(later)
    )
    assert state.state == "valid"
    assert state.valid_until is None
    assert state.reason_zh == "长期有效"


@given(issued=issue_dates, data=st.data())
def test_special_operation_is_valid_until_the_first_review_window_opens(
    issued: date, data: st.DataObject
) -> None:
    first_due = add_years(issued, 3)
    window_opens = first_due - timedelta(days=60)
    as_of = data.draw(st.dates(min_value=issued, max_value=window_opens - timedelta(days=1)))
    state = validity_on(SPECIAL_OPERATION, issued=issued, valid_until=None, reviews=(), as_of=as_of)
    assert state.state == "valid"
    assert state.due_date == first_due


@given(issued=issue_dates, before=st.integers(0, 60))
def test_special_operation_review_is_due_inside_the_sixty_day_window(
    issued: date, before: int
) -> None:
    due = add_years(issued, 3)
    as_of = due - timedelta(days=before)
    state = validity_on(SPECIAL_OPERATION, issued=issued, valid_until=None, reviews=(), as_of=as_of)
    assert state.state == "review_due"
    assert state.reason_zh == f"应于{due.isoformat()}前复审"


@given(issued=issue_dates, after=st.integers(1, 2000))
def test_a_construction_certificate_is_expired_after_valid_until_without_review(
    issued: date, after: int
) -> None:
    until = default_valid_until(CONSTRUCTION, issued)
    assert until is not None
    as_of = until + timedelta(days=after)
    state = validity_on(CONSTRUCTION, issued=issued, valid_until=until, reviews=(), as_of=as_of)
    assert state.state == "expired"
    assert "逾期未延期复核" in state.reason_zh


@given(issued=issue_dates, early=st.integers(0, 90), after=st.integers(1, 600))
def test_a_review_inside_the_window_extends_construction_validity_by_two_years(
    issued: date, early: int, after: int
) -> None:
    until = add_years(issued, 2)
    review = until - timedelta(days=early)
    as_of = until + timedelta(days=after)
    state = validity_on(
        CONSTRUCTION, issued=issued, valid_until=until, reviews=[review], as_of=as_of
    )
    assert state.valid_until == add_years(until, 2)
    assert state.state in {"valid", "review_due"}


@given(issued=issue_dates, early=st.integers(0, 90), after=st.integers(1, 1000))
def test_a_review_inside_the_window_extends_special_equipment_validity_by_four_years(
    issued: date, early: int, after: int
) -> None:
    until = add_years(issued, 4)
    state = validity_on(
        SPECIAL_EQUIPMENT,
        issued=issued,
        valid_until=None,
        reviews=[until - timedelta(days=early)],
        as_of=until + timedelta(days=after),
    )
    assert state.state == "valid"
    assert state.valid_until == add_years(issued, 8)


@given(issued=issue_dates, early=st.integers(91, 400))
def test_a_review_before_the_window_does_not_extend(issued: date, early: int) -> None:
    until = add_years(issued, 2)
    review = max(issued, until - timedelta(days=early))
    state = validity_on(
        CONSTRUCTION, issued=issued, valid_until=None, reviews=[review], as_of=until + timedelta(1)
    )
    assert state.state == "expired"


@given(issued=issue_dates, early=st.integers(0, 60))
def test_special_operation_after_ten_clean_years_reviews_every_six_years(
    issued: date, early: int
) -> None:
    dues = [add_years(issued, years) for years in (3, 6, 9, 12)]
    reviews = [due - timedelta(days=early) for due in dues]
    as_of = dues[-1] + timedelta(days=1)
    state = validity_on(
        SPECIAL_OPERATION, issued=issued, valid_until=None, reviews=reviews, as_of=as_of
    )
    assert state.state == "valid"
    assert state.due_date == add_years(issued, 18)
    assert state.valid_until == add_years(issued, 18)


@given(issued=issue_dates, early=st.integers(0, 60))
@example(issued=date(2000, 2, 29), early=0)
def test_special_operation_before_ten_years_keeps_the_three_year_interval(
    issued: date, early: int
) -> None:
    reviews = [add_years(issued, y) - timedelta(days=early) for y in (3, 6)]
    as_of = add_years(issued, 6) + timedelta(days=1)
    state = validity_on(
        SPECIAL_OPERATION, issued=issued, valid_until=None, reviews=reviews, as_of=as_of
    )
    assert state.due_date == add_years(issued, 9)
    # The renewal extends the expiry it renews: a card of 29 February runs to 28 February.
    assert state.valid_until == add_years(add_years(issued, 6), 6)


@given(issued=issue_dates, late=st.integers(1, 300))
def test_a_late_review_does_not_revive_a_lapsed_certificate(issued: date, late: int) -> None:
    due = add_years(issued, 3)
    review = due + timedelta(days=late)
    state = validity_on(
        SPECIAL_OPERATION,
        issued=issued,
        valid_until=None,
        reviews=[review],
        as_of=review + timedelta(days=1),
    )
    assert state.state == "expired"
    assert state.due_date == due


# ---------------------------------------------------------------- worked examples


def test_special_operation_worked_example() -> None:
    rule, issued = SPECIAL_OPERATION, _d("2020-03-01")

    def on(as_of: str, *reviews: str) -> tuple[str, date | None, date | None, str]:
        s = validity_on(
            rule, issued=issued, valid_until=None, reviews=[_d(r) for r in reviews], as_of=_d(as_of)
        )
        return s.state, s.due_date, s.valid_until, s.reason_zh

    assert on("2022-12-30")[0] == "valid"
    assert on("2023-01-15") == (
        "review_due",
        _d("2023-03-01"),
        _d("2026-03-01"),
        "应于2023-03-01前复审",
    )
    assert on("2023-03-02")[0] == "expired"
    assert on("2023-03-02")[3].startswith("逾期未复审")
    assert on("2024-06-01", "2023-02-10")[:3] == ("valid", _d("2026-03-01"), _d("2026-03-01"))
    assert on("2026-06-01", "2023-02-10", "2026-02-01")[:3] == (
        "valid",
        _d("2029-03-01"),
        _d("2032-03-01"),
    )
    assert on("2026-06-01", "2023-02-10")[0] == "expired"


def test_construction_worked_example() -> None:
    rule, issued = CONSTRUCTION, _d("2021-05-10")
    until = _d("2023-05-10")
    kwargs = {"issued": issued, "valid_until": until}
    assert validity_on(rule, **kwargs, reviews=(), as_of=_d("2023-01-01")).state == "valid"
    due = validity_on(rule, **kwargs, reviews=(), as_of=_d("2023-03-01"))
    assert (due.state, due.reason_zh) == ("review_due", "应于2023-05-10前延期复核")
    lapsed = validity_on(rule, **kwargs, reviews=(), as_of=_d("2023-05-11"))
    assert lapsed.state == "expired"
    assert lapsed.reason_zh.startswith("逾期未延期复核")
    extended = validity_on(rule, **kwargs, reviews=[_d("2023-04-01")], as_of=_d("2024-01-01"))
    assert (extended.state, extended.valid_until) == ("valid", _d("2025-05-10"))
    twice = [_d("2023-04-01"), _d("2025-03-01")]
    assert validity_on(rule, **kwargs, reviews=twice, as_of=_d("2026-01-01")).valid_until == _d(
        "2027-05-10"
    )


def test_an_already_extended_valid_until_is_not_extended_twice() -> None:
    state = validity_on(
        CONSTRUCTION,
        issued=_d("2021-05-10"),
        valid_until=_d("2025-05-10"),
        reviews=[_d("2023-04-01")],
        as_of=_d("2024-01-01"),
    )
    assert state.valid_until == _d("2025-05-10")


def test_a_valid_on_valid_until_itself_and_expired_the_day_after() -> None:
    kwargs = {"issued": _d("2020-01-01"), "valid_until": None, "reviews": ()}
    assert validity_on(SPECIAL_EQUIPMENT, **kwargs, as_of=_d("2024-01-01")).state == "review_due"
    assert validity_on(SPECIAL_EQUIPMENT, **kwargs, as_of=_d("2024-01-02")).state == "expired"


def test_reviews_recorded_after_as_of_are_ignored() -> None:
    state = validity_on(
        CONSTRUCTION,
        issued=_d("2021-05-10"),
        valid_until=None,
        reviews=[_d("2023-04-01")],
        as_of=_d("2023-03-01"),
    )
    assert state.state == "review_due"


def test_default_valid_until_and_leap_days() -> None:
    assert default_valid_until(SKILL, _d("2020-01-01")) is None
    assert default_valid_until(SPECIAL_OPERATION, _d("2020-02-29")) == _d("2026-02-28")
    assert default_valid_until(CONSTRUCTION, _d("2021-05-10")) == _d("2023-05-10")
    assert add_years(_d("2020-02-29"), 4) == _d("2024-02-29")
