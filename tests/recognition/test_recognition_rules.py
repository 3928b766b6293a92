"""One case per policy rule, each naming the clause it implements (pure evaluator, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from certbridge.catalog import load_catalog
from certbridge.recognition.engine import Evaluation, Held, Profile, evaluate
from certbridge.recognition.policy import load_policy

AS_OF = date(2026, 11, 29)
ELECTRICIAN, WELDER = "6-31-01-03", "6-18-02-04"


def held(type_name: str, issued: date = date(2022, 3, 1), level: int | None = None) -> Held:
    code = load_catalog().resolve_type(type_name).code
    return Held(code, level, issued, None, "valid")


def run(profile: Profile) -> Evaluation:
    return evaluate(profile, load_policy().in_force(profile.as_of, profile.province))


def rule_ids(evaluation: Evaluation) -> set[str]:
    ids: set[str] = set()
    for group in (evaluation.exemptions, evaluation.deemed_levels, evaluation.eligible_levels):
        for item in group:
            ids.update(item.basis.rule_ids)
    for option in evaluation.one_exam:
        ids.update(option.basis.rule_ids)
    return ids


@dataclass
class Case:
    rule: str
    clause: str
    certificates: tuple[Held, ...]
    expect: (
        str  # what must appear: "exempt <target> <code>", "deemed <occ> <n>", "eligible <occ> <n>"
    )
    target: str | None = None
    experience: dict[str, float] = field(default_factory=dict)
    education: tuple[str, ...] = ()
    apprenticeship: bool = False


CASES = [
    Case(
        "N26-1",
        "通知一：跨部门免理论考试",
        (held("低压电工作业"),),
        "exempt 建筑电工 theory_exam",
        target="建筑电工",
    ),
    Case(
        "N26-3",
        "通知附件证书对应目录：低压电工→建筑电工免安全作业培训",
        (held("低压电工作业"),),
        "exempt 建筑电工 safety_training",
        target="建筑电工",
    ),
    Case(
        "N26-2a",
        "通知二：低压电工作业视同电工五级",
        (held("低压电工作业"),),
        f"deemed {ELECTRICIAN} 5",
    ),
    Case("N26-2b", "通知二：建筑焊工视同焊工五级", (held("建筑焊工"),), f"deemed {WELDER} 5"),
    Case(
        "N26-2c",
        "通知二第二句：高压电工作业视同电工四级",
        (held("高压电工作业"),),
        f"deemed {ELECTRICIAN} 4",
    ),
    Case(
        "N26-2d",
        "通知二第二句：特种设备焊接操作视同焊工四级",
        (held("特种设备焊接操作"),),
        f"deemed {WELDER} 4",
    ),
    Case("N26-4", "通知四：一试多证", (), "one_exam 建筑电工", target="建筑电工"),
    Case(
        "STD-5a",
        "标准2.3 五级：从业1年",
        (),
        f"eligible {ELECTRICIAN} 5",
        experience={ELECTRICIAN: 1},
    ),
    Case(
        "STD-5b",
        "标准2.3 五级：学徒期满",
        (),
        f"eligible {WELDER} 5",
        target="焊工",
        apprenticeship=True,
    ),
    Case(
        "STD-4a",
        "标准2.3 四级：五级后4年",
        (held("焊工", date(2021, 1, 1), 5),),
        f"eligible {WELDER} 4",
        experience={WELDER: 6},
    ),
    Case(
        "STD-4b",
        "标准2.3 四级：从业6年",
        (),
        f"eligible {ELECTRICIAN} 4",
        experience={ELECTRICIAN: 6},
    ),
    Case(
        "STD-4c",
        "标准2.3 四级：技工学校毕业",
        (held("电工", date(2026, 6, 1), 5),),
        f"eligible {ELECTRICIAN} 4",
        education=("技工学校",),
    ),
    Case(
        "STD-3a",
        "标准2.3 三级：四级后5年",
        (held("电工", date(2020, 1, 1), 4),),
        f"eligible {ELECTRICIAN} 3",
        experience={ELECTRICIAN: 9},
    ),
    Case(
        "STD-3b",
        "标准2.3 三级：四级+技师学院",
        (held("电工", date(2026, 1, 1), 4),),
        f"eligible {ELECTRICIAN} 3",
        education=("技师学院",),
    ),
    Case(
        "STD-3c",
        "标准2.3 三级：大专+四级后2年",
        (held("焊工", date(2023, 1, 1), 4),),
        f"eligible {WELDER} 3",
        education=("大专",),
        experience={WELDER: 4},
    ),
    Case(
        "STD-2a",
        "标准2.3 二级：三级后4年",
        (held("电工", date(2021, 1, 1), 3),),
        f"eligible {ELECTRICIAN} 2",
        experience={ELECTRICIAN: 12},
    ),
    Case(
        "STD-2b",
        "标准2.3 二级：技师学院+三级后3年",
        (held("电工", date(2023, 1, 1), 3),),
        f"eligible {ELECTRICIAN} 2",
        education=("技师学院",),
        experience={ELECTRICIAN: 10},
    ),
    Case(
        "STD-1a",
        "标准2.3 一级：二级后4年",
        (held("焊工", date(2020, 1, 1), 2),),
        f"eligible {WELDER} 1",
        experience={WELDER: 20},
    ),
]


def _present(evaluation: Evaluation, expect: str, rule: str) -> bool:
    kind, *rest = expect.split()
    if kind == "exempt":
        target = load_catalog().resolve_type(rest[0]).code
        return any(
            e.target == target and e.code == rest[1] and rule in e.basis.rule_ids
            for e in evaluation.exemptions
        )
    if kind == "deemed":
        return any(
            (d.occupation, d.level) == (rest[0], int(rest[1])) and rule in d.basis.rule_ids
            for d in evaluation.deemed_levels
        )
    if kind == "one_exam":
        return any(rule in o.basis.rule_ids for o in evaluation.one_exam)
    return any(
        (e.occupation, e.level) == (rest[0], int(rest[1])) and e.met and rule in e.basis.rule_ids
        for e in evaluation.eligible_levels
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule} {c.clause}" for c in CASES])
def test_each_rule_grants_what_its_clause_says(case: Case) -> None:
    target = load_catalog().resolve_type(case.target).code if case.target else None
    profile = Profile(
        certificates=case.certificates,
        as_of=AS_OF,
        experience_years=case.experience,
        education=case.education,
        apprenticeship=case.apprenticeship,
        target=target,
    )
    evaluation = run(profile)
    assert _present(evaluation, case.expect, case.rule), evaluation


def test_every_bundled_rule_has_a_case_above() -> None:
    assert {c.rule for c in CASES} == set(load_policy().rules)


def test_a_path_not_yet_met_says_how_many_more_years_are_needed() -> None:
    profile = Profile(
        certificates=(held("电工", date(2024, 11, 29), 5),),
        as_of=AS_OF,
        experience_years={ELECTRICIAN: 2},
    )
    (entry,) = run(profile).eligible_levels
    assert (entry.occupation, entry.level, entry.met) == (ELECTRICIAN, 4, False)
    assert entry.missing == ("需再从事本职业 2 年",)
    assert entry.basis.rule_ids == ("STD-4a",)


@pytest.mark.parametrize("extra_days", [0, 20])
def test_two_paths_that_show_the_same_shortfall_tie_whatever_the_exact_days(
    extra_days: int,
) -> None:
    """STD-4a (4 years after 五级) and STD-4b (6 years in the trade) both short by 0.1 year,
    by a few days more or less: the answer shows whole tenths, so it must not depend on
    those days; the tie goes to the lower rule id."""
    level_five = date(2023, 1, 4)  # 3.9 years held (3 years 329 days)
    profile = Profile(
        certificates=(held("焊工", level_five, 5),),
        as_of=AS_OF,
        experience_years={WELDER: 5.9 + extra_days / 365.2425 / 10},
    )
    (entry,) = run(profile).eligible_levels
    assert entry.missing == ("需再从事本职业 0.1 年",)
    assert entry.basis.rule_ids == ("STD-4a",)


def test_a_notice_deemed_level_opens_the_next_level_without_years() -> None:
    profile = Profile(certificates=(held("建筑电工", date(2026, 3, 1)),), as_of=AS_OF)
    (entry,) = run(profile).eligible_levels
    assert (entry.level, entry.met) == (4, True)
    assert "N26-2a" in entry.basis.rule_ids


def test_the_same_department_gives_no_cross_department_exemption() -> None:
    profile = Profile(
        certificates=(held("低压电工作业"),), as_of=AS_OF, target="special_operation:1.1"
    )
    assert run(profile).exemptions == ()


def test_the_same_input_gives_the_same_answer() -> None:
    profile = Profile(
        certificates=(held("低压电工作业"), held("熔化焊接与热切割作业"), held("电工", level=4)),
        as_of=AS_OF,
        experience_years={ELECTRICIAN: 7, WELDER: 3},
        education=("大专",),
    )
    assert run(profile) == run(profile)
    assert rule_ids(run(profile))
