"""The review walk: each due date with the review that met it, as settle_reviews walks them;
and the 作业项目代号 of 特种设备 types as catalog data."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from certbridge.catalog import (
    ReviewStep,
    ValidityRule,
    add_years,
    load_catalog,
    review_walk,
    settle_reviews,
)

SCHEMES = load_catalog().schemes
REVIEWED = [SCHEMES[code].validity for code in ("special_operation", "construction")]
REVIEWED.append(SCHEMES["special_equipment"].validity)

issue_dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2024, 12, 31))


@st.composite
def histories(draw: st.DrawFn) -> tuple[ValidityRule, date, list[date]]:
    """A scheme with reviews, an issue date, and reviews: mostly timely, some not."""
    rule = draw(st.sampled_from(REVIEWED))
    issued = draw(issue_dates)
    reviews = []
    for step in range(draw(st.integers(0, 8))):
        due = add_years(
            issued, (step + 1) * (rule.review_interval_years or rule.validity_years or 1)
        )
        offset = draw(st.integers(-120, 30))
        reviews.append(due + timedelta(days=offset))
    return rule, issued, reviews


@given(histories())
def test_the_walk_ends_where_settle_reviews_settles(
    history: tuple[ValidityRule, date, list[date]],
) -> None:
    rule, issued, reviews = history
    steps = review_walk(rule, issued=issued, valid_until=None, reviews=reviews)
    unmet, _ = settle_reviews(rule, issued=issued, valid_until=None, reviews=reviews)
    assert all(isinstance(step, ReviewStep) for step in steps)
    # Every step but the last was met; the last is the first unmet due date, if any.
    assert all(step.done_on is not None for step in steps[:-1])
    assert (steps[-1].due if steps and steps[-1].done_on is None else None) == unmet


def _settle_before_the_walk(
    rule: ValidityRule, issued: date, reviews: list[date]
) -> tuple[date | None, date | None]:
    """settle_reviews as it was written before the walk was exposed (the reference)."""
    until = add_years(issued, rule.validity_years) if rule.validity_years else None
    last: date | None = None
    while True:
        if rule.review_interval_years is not None:
            anchor = last or issued
            years = rule.review_interval_years
            longer, clean = (
                rule.review_interval_years_after_clean,
                rule.clean_years_for_longer_interval,
            )
            if longer is not None and clean is not None and anchor >= add_years(issued, clean):
                years = longer
            due = add_years(anchor, years)
            due = min(due, until) if until is not None else due
        elif rule.extension_years is not None:
            due = until
        else:
            return None, until
        if due is None:
            return None, until
        window = (
            rule.extension_window_days
            if due == until and rule.extension_window_days
            else (rule.review_window_days or 0)
        )
        opens = due - timedelta(days=window)
        if not any(opens <= r <= due and (last is None or r > last) for r in reviews):
            return due, until
        if until is not None and due >= until and rule.extension_years is not None:
            until = add_years(until, rule.extension_years)
        last = due


@given(histories())
def test_settling_through_the_walk_gives_what_settling_gave_before(
    history: tuple[ValidityRule, date, list[date]],
) -> None:
    rule, issued, reviews = history
    expected = _settle_before_the_walk(rule, issued, reviews)
    assert settle_reviews(rule, issued=issued, valid_until=None, reviews=reviews) == expected


@given(histories())
def test_each_review_met_its_due_date_inside_the_window_and_in_order(
    history: tuple[ValidityRule, date, list[date]],
) -> None:
    rule, issued, reviews = history
    steps = review_walk(rule, issued=issued, valid_until=None, reviews=reviews)
    window = max(rule.review_window_days or 0, rule.extension_window_days or 0)
    done = [s for s in steps if s.done_on is not None]
    for step in done:
        assert step.done_on is not None
        assert step.due - timedelta(days=window) <= step.done_on <= step.due
        assert step.done_on in reviews
    assert [s.due for s in steps] == sorted({s.due for s in steps})
    assert [s.done_on for s in done] == sorted({s.done_on for s in done})


def test_a_special_operation_card_reviewed_at_three_and_six_years_is_due_at_nine() -> None:
    rule = SCHEMES["special_operation"].validity
    issued = date(2018, 6, 30)
    steps = review_walk(
        rule, issued=issued, valid_until=None, reviews=[date(2021, 6, 1), date(2024, 6, 4)]
    )
    assert steps == [
        ReviewStep(date(2021, 6, 30), date(2021, 6, 1)),
        ReviewStep(date(2024, 6, 30), date(2024, 6, 4)),
        ReviewStep(date(2027, 6, 30), None),
    ]


def test_schemes_without_reviews_have_no_history() -> None:
    rule = SCHEMES["skill_level"].validity
    assert review_walk(rule, issued=date(2020, 1, 1), valid_until=None, reviews=[]) == []


# The 2019 catalogue (市场监管总局公告2019年第3号; TSG Z6001-2019): 项目代号 per 作业项目.
ITEM_CODES_2019 = {
    "A": "特种设备安全管理",
    "G1": "工业锅炉司炉",
    "G2": "电站锅炉司炉",
    "G3": "锅炉水处理",
    "R1": "快开门式压力容器操作",
    "R2": "移动式压力容器充装",
    "R3": "氧舱维护保养",
    "P": "气瓶充装",
    "T": "电梯修理",
    "Q1": "起重机指挥",
    "Q2": "起重机司机",
    "S1": "客运索道修理",
    "S2": "客运索道司机",
    "Y1": "大型游乐设施修理",
    "Y2": "大型游乐设施操作",
    "N1": "叉车司机",
    "N2": "观光车和观光列车司机",
    "F": "安全阀校验",
}


def test_every_special_equipment_item_carries_its_2019_code_with_its_citation() -> None:
    types = load_catalog().types_of_scheme("special_equipment")
    coded = {t.item_code: t.name_zh for t in types if t.item_code is not None}
    assert coded == ITEM_CODES_2019
    for t in types:
        assert "2019年第3号" in t.source
        assert "TSG Z6001-2019" in t.source
    # The welding items have no letter code in the catalogue.
    assert {t.name_zh for t in types if t.item_code is None} == {"金属焊接操作", "非金属焊接操作"}


def test_only_special_equipment_types_have_item_codes() -> None:
    others = [t for t in load_catalog().types.values() if t.scheme != "special_equipment"]
    assert all(t.item_code is None for t in others)
