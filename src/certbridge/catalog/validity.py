"""Expiry and review (复审/延期复核) rules: pure date logic.

Decisions (see data/README.md): a review counts only when it is dated within the
window before the due date it serves (a late or too early review does not count);
a missed due date lapses the certificate; each review at the end of validity
extends `valid_until` by `extension_years`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple

from certbridge.catalog.model import ValidityRule


@dataclass(frozen=True)
class ValidityState:
    state: Literal["valid", "review_due", "expired"]
    due_date: date | None
    valid_until: date | None
    reason_zh: str


def add_years(day: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def default_valid_until(rule: ValidityRule, issued: date) -> date | None:
    if rule.validity_years is None:
        return None
    return add_years(issued, rule.validity_years)


def validity_on(
    rule: ValidityRule,
    *,
    issued: date,
    valid_until: date | None,
    reviews: Sequence[date],
    as_of: date,
) -> ValidityState:
    """The state of a certificate on `as_of`, given its issue date and recorded reviews.

    `valid_until` is the date printed at issue (None: derive it from the rule).
    Reviews dated after `as_of` are ignored.
    """
    due, until = settle_reviews(
        rule, issued=issued, valid_until=valid_until, reviews=[r for r in reviews if r <= as_of]
    )
    return state_on(rule, due, until, as_of)


def settle_reviews(
    rule: ValidityRule, *, issued: date, valid_until: date | None, reviews: Sequence[date]
) -> tuple[date | None, date | None]:
    """What the reviews settle, whatever the date: (first unmet due date, effective expiry).

    With every review up to a date given, `state_on` answers for any date from then on."""
    until = valid_until or default_valid_until(rule, issued)
    return _settle_reviews(rule, issued, until, sorted(reviews))


def _interval_years(rule: ValidityRule, issued: date, anchor: date) -> int:
    assert rule.review_interval_years is not None
    longer = rule.review_interval_years_after_clean
    clean = rule.clean_years_for_longer_interval
    if longer is not None and clean is not None and anchor >= add_years(issued, clean):
        return longer
    return rule.review_interval_years


def _next_due(
    rule: ValidityRule, issued: date, last: date | None, until: date | None
) -> date | None:
    """The review due after `last` (the previous due date met), or None if none is due."""
    if rule.review_interval_years is not None:
        anchor = last or issued
        due = add_years(anchor, _interval_years(rule, issued, anchor))
        return min(due, until) if until is not None else due
    return until if rule.extension_years is not None else None


def _window_days(rule: ValidityRule, due: date, until: date | None) -> int:
    if due == until and rule.extension_window_days is not None:
        return rule.extension_window_days
    return rule.review_window_days or 0


class ReviewStep(NamedTuple):
    """A due date of a review (复审/延期复核) and the date of the review that met it."""

    due: date
    done_on: date | None


def review_walk(
    rule: ValidityRule, *, issued: date, valid_until: date | None, reviews: Sequence[date]
) -> list[ReviewStep]:
    """The review history: every due date met by a timely review, with that review's date,
    then the first unmet due date (done_on None), if any. Empty when the scheme has no
    reviews. Pass only the reviews up to the date of interest."""
    until = valid_until or default_valid_until(rule, issued)
    return _walk(rule, issued, until, sorted(reviews))[0]


def _settle_reviews(
    rule: ValidityRule, issued: date, until: date | None, reviews: Sequence[date]
) -> tuple[date | None, date | None]:
    """(first unmet due date, effective valid_until) at the end of the walk."""
    steps, until = _walk(rule, issued, until, reviews)
    unmet = steps[-1].due if steps and steps[-1].done_on is None else None
    return unmet, until


def _walk(
    rule: ValidityRule, issued: date, until: date | None, reviews: Sequence[date]
) -> tuple[list[ReviewStep], date | None]:
    """Walk the due dates met by timely reviews (sorted): the steps, and valid_until as
    the reviews at the end of validity extended it."""
    steps: list[ReviewStep] = []
    last: date | None = None
    first = 0  # reviews before this one are before the current window or already used
    while (due := _next_due(rule, issued, last, until)) is not None:
        opens = due - timedelta(days=_window_days(rule, due, until))
        # The first review inside the window and after the previous due date counts. Both
        # bounds only move forward, so the reviews passed over never count later either.
        while first < len(reviews) and (
            reviews[first] < opens or (last is not None and reviews[first] <= last)
        ):
            first += 1
        done = reviews[first] if first < len(reviews) and reviews[first] <= due else None
        steps.append(ReviewStep(due, done))
        if done is None:
            break
        if until is not None and due >= until and rule.extension_years is not None:
            until = add_years(until, rule.extension_years)
        last = due
    return steps, until


def state_on(
    rule: ValidityRule, due: date | None, until: date | None, as_of: date
) -> ValidityState:
    """The state on `as_of` of a certificate whose reviews settled `due` and `until`.
    The reason names the review due by its scheme's word (复审, 延期复核, or at the end of
    a 特种作业 card's validity 延期复审, the renewal (换证))."""
    kind = rule.review_word(due, until) if due is not None else (rule.review_kind_zh or "复审")
    if due is not None and as_of > due:
        reason = f"逾期未{kind}（应于{due.isoformat()}前{kind}），证书已失效"
        return ValidityState("expired", due, due, reason)
    if until is not None and as_of > until:
        return ValidityState("expired", None, until, f"已超过有效期（有效期至{until.isoformat()}）")
    if due is not None and as_of >= due - timedelta(days=_window_days(rule, due, until)):
        return ValidityState("review_due", due, until, f"应于{due.isoformat()}前{kind}")
    return ValidityState("valid", due, until, _valid_reason(kind, due, until))


def _valid_reason(kind: str, due: date | None, until: date | None) -> str:
    if due is not None:
        return f"有效，下次应于{due.isoformat()}前{kind}"
    if until is not None:
        return f"有效，有效期至{until.isoformat()}"
    return "长期有效"
