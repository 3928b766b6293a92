"""Standing (暂扣, 撤销/吊销, 注销) beside validity: pure rules of registry.lifecycle."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from certbridge.catalog import load_catalog
from certbridge.registry.lifecycle import Event, settle, status_on

CATALOG = load_catalog()
SCHEMES = [CATALOG.scheme(code) for code in sorted(CATALOG.schemes)]
SPECIAL_OPERATION = CATALOG.scheme("special_operation")
CONSTRUCTION = CATALOG.scheme("construction")
SKILL_LEVEL = CATALOG.scheme("skill_level")

kinds = st.sampled_from(
    ["reviewed", "reviewed", "reviewed", "suspended", "reinstated", "revoked", "cancelled"]
)


@st.composite
def logs(draw: st.DrawFn) -> tuple[date, list[Event]]:
    issued = draw(st.dates(min_value=date(2008, 1, 1), max_value=date(2026, 12, 31)))
    offsets = draw(st.lists(st.integers(0, 6000), max_size=7))
    events = [Event(draw(kinds), issued + timedelta(days=d)) for d in offsets]
    return issued, events


def _status(scheme, issued: date, events: list[Event], as_of: date):  # type: ignore[no-untyped-def]
    return status_on(
        scheme.validity,
        issued=issued,
        valid_until=None,
        events=events,
        as_of=as_of,
        words=scheme.status_words,
    )


@given(
    scheme=st.sampled_from(SCHEMES),
    log=logs(),
    suspended_after=st.integers(0, 6000),
    as_of_after=st.integers(-30, 7000),
)
def test_a_suspension_never_changes_the_validity_in_force(
    scheme, log: tuple[date, list[Event]], suspended_after: int, as_of_after: int
) -> None:  # type: ignore[no-untyped-def]
    issued, events = log
    as_of = issued + timedelta(days=as_of_after)
    suspended = [*events, Event("suspended", issued + timedelta(days=suspended_after))]
    assert (
        _status(scheme, issued, suspended, as_of).valid_until
        == _status(scheme, issued, events, as_of).valid_until
    )


def test_a_suspended_card_shows_the_date_its_review_extended_not_the_printed_one() -> None:
    issued = date(2017, 6, 25)
    reviews = [Event("reviewed", date(2020, 6, 1)), Event("reviewed", date(2023, 6, 1))]
    suspended = [*reviews, Event("suspended", date(2024, 1, 10), "违章作业")]
    as_of = date(2024, 2, 1)
    before = _status(SPECIAL_OPERATION, issued, reviews, as_of)
    after = _status(SPECIAL_OPERATION, issued, suspended, as_of)
    assert before.valid_until == date(2029, 6, 25)
    assert after.code == "suspended"
    assert after.valid_until == date(2029, 6, 25)


def test_each_scheme_names_its_standing_in_its_own_words() -> None:
    issued = date(2021, 3, 1)
    as_of = date(2021, 6, 1)
    on = date(2021, 5, 1)
    special = _status(SPECIAL_OPERATION, issued, [Event("suspended", on)], as_of)
    assert (special.code, special.label) == ("suspended", "暂扣")
    assert special.reason.startswith("2021-05-01起暂扣")
    revoked = _status(SPECIAL_OPERATION, issued, [Event("revoked", on)], as_of)
    assert (revoked.code, revoked.label) == ("revoked", "撤销")
    penalty = _status(SPECIAL_OPERATION, issued, [Event("revoked", on, "", "吊销")], as_of)
    assert penalty.label == "吊销"
    cancelled = _status(CONSTRUCTION, issued, [Event("cancelled", on, "持证人申请")], as_of)
    assert (cancelled.code, cancelled.label, cancelled.counts) == ("cancelled", "注销", False)
    for scheme in SCHEMES:
        assert "注销" not in (scheme.status_words.suspended, *scheme.status_words.revoked)
        assert scheme.status_words.cancelled == "注销"


def test_a_revoked_certificate_may_still_be_cancelled_and_nothing_undoes_either() -> None:
    issued = date(2020, 1, 1)
    events = [
        Event("revoked", date(2021, 1, 1), "以欺骗手段取得"),
        Event("reinstated", date(2021, 2, 1)),
        Event("cancelled", date(2021, 3, 1), "撤销后注销"),
        Event("reinstated", date(2021, 4, 1)),
    ]
    assert _status(SKILL_LEVEL, issued, events, date(2021, 2, 15)).code == "revoked"
    assert _status(SKILL_LEVEL, issued, events, date(2021, 5, 1)).code == "cancelled"
    settled = settle(SKILL_LEVEL.validity, issued=issued, valid_until=None, events=events)
    assert settled.standing == "cancelled"


def test_at_six_years_a_special_operation_card_is_due_for_renewal_not_a_review() -> None:
    issued = date(2020, 1, 1)
    reviewed = [Event("reviewed", date(2022, 12, 1))]
    mid_term = _status(SPECIAL_OPERATION, issued, [], date(2022, 12, 1))
    assert (mid_term.code, mid_term.label) == ("review_due", "待复审")
    renewal = _status(SPECIAL_OPERATION, issued, reviewed, date(2025, 12, 1))
    assert renewal.code == "review_due"
    assert renewal.label == f"待{SPECIAL_OPERATION.validity.renewal_kind_zh}"
    assert SPECIAL_OPERATION.validity.renewal_kind_zh != "复审"
    assert SPECIAL_OPERATION.validity.renewal_kind_zh in renewal.reason
