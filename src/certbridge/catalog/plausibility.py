"""Whether a certificate's dates and level can be true: the rules an import row, the
registry's service and its API share. Each problem is (rule code, Chinese message). Pure.

A certificate is not issued in the future, before its scheme existed (catalog data:
`issue_rules.since_year`, with its source), before its holder was born, or to a holder
younger than the scheme's minimum age (`issue_rules.minimum_age`: 16 under 劳动法 for 人社
certificates, 18 for the safety schemes). A change of status is not dated before the
issue date; a review never after today; a change of standing (暂扣, 撤销 …) at most a
short window ahead, when the caller allows one (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from certbridge.catalog.model import Level, Scheme
from certbridge.catalog.validity import add_years

Problem = tuple[str, str]


def issue_date_problems(
    scheme: Scheme, issued: date, *, today: date, birth: date | None
) -> list[Problem]:
    """Every rule the issue date of a certificate of `scheme` breaks; `birth` is the
    holder's birth date when the ID number carries one."""
    rules = scheme.issue_rules
    problems: list[Problem] = []
    if issued > today:
        problems.append(("date.future", f"发证日期{issued}晚于今天"))
    if issued.year < rules.since_year:
        problems.append(
            (
                "date.before_scheme",
                f"发证日期{issued}早于{scheme.name_zh}开始颁发的年份（{rules.since_year}年），"
                "请核对日期",
            )
        )
    if birth is not None and issued < birth:
        problems.append(("date.before_birth", f"发证日期{issued}早于持证人出生日期（据证件号码）"))
    elif birth is not None and issued < add_years(birth, rules.minimum_age):
        problems.append(
            (
                "date.under_age",
                f"发证日期{issued}时持证人未满{rules.minimum_age}周岁（据证件号码），"
                f"{scheme.name_zh}的持证人应年满{rules.minimum_age}周岁",
            )
        )
    return problems


def effective_date_problem(
    issued: date, effective_on: date, *, today: date, ahead_days: int = 0
) -> Problem | None:
    """Whether a change of status may be dated `effective_on`: not before the issue date,
    and at most `ahead_days` after today (a scheduled change; 0 for anything that must
    have happened already, such as a review)."""
    if effective_on > today + timedelta(days=ahead_days):
        if ahead_days == 0:
            return ("status.future", f"生效日期{effective_on}晚于今天：只能登记已经发生的变更")
        latest = today + timedelta(days=ahead_days)
        return (
            "status.future",
            f"生效日期{effective_on}太远：状态变更最多提前{ahead_days}天登记（不晚于{latest}）",
        )
    if effective_on < issued:
        return ("status.date", f"生效日期{effective_on}早于发证日期{issued}")
    return None


def level_problem(level: int | None, levels: Mapping[int, Level]) -> Problem | None:
    """Whether a level number is one of the five (1 = 一级/高级技师 … 5 = 五级/初级工)."""
    if level is None or level in levels:
        return None
    return (
        "certificate.level_range",
        f"等级{level}不存在：职业技能等级为1（一级/高级技师）至5（五级/初级工）",
    )
