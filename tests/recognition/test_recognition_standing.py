"""What an answer shows of a worker's standing: the best level per occupation, deemed
levels below it marked as superseded, exemptions for a certificate already held marked as
such, and which province's provisions applied and why (pure evaluator, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from certbridge.catalog import load_catalog
from certbridge.recognition.engine import (
    Evaluation,
    Held,
    Profile,
    evaluate,
    jurisdiction_of,
)
from certbridge.recognition.policy import load_policy

AS_OF = date(2026, 11, 29)
ELECTRICIAN, WELDER = "6-31-01-03", "6-18-02-04"


def held(
    type_name: str,
    level: int | None = None,
    issued: date = date(2023, 6, 1),
    *,
    province: str | None = None,
    status: str = "valid",
    valid_until: date | None = None,
) -> Held:
    code = load_catalog().resolve_type(type_name).code
    return Held(code, level, issued, valid_until, status, province=province, ref=type_name)


def run(profile: Profile) -> Evaluation:
    return evaluate(profile, load_policy().in_force(profile.as_of, jurisdiction_of(profile)))


def with_certificate(profile: Profile, extra: Held) -> Profile:
    return Profile(**{**profile.__dict__, "certificates": (*profile.certificates, extra)})


# ---------------------------------------------------------------- best standing


def test_a_welder_holding_level_four_stands_at_level_four_not_at_the_deemed_level_five() -> None:
    evaluation = run(
        Profile(
            certificates=(held("熔化焊接与热切割作业", issued=date(2021, 5, 10)), held("焊工", 4)),
            as_of=AS_OF,
        )
    )
    (welder,) = evaluation.standings
    assert (welder.occupation, welder.level) == (WELDER, 4)
    assert welder.held == ("焊工",)  # rests on his own certificate, no rule needed
    assert welder.basis.rule_ids == ()
    (deemed,) = evaluation.deemed_levels
    assert (deemed.occupation, deemed.level, deemed.superseded_by) == (WELDER, 5, 4)


def test_a_higher_deemed_level_supersedes_a_lower_one_and_names_its_rule() -> None:
    evaluation = run(
        Profile(certificates=(held("低压电工作业"), held("高压电工作业")), as_of=AS_OF)
    )
    (electrician,) = evaluation.standings
    assert (electrician.level, electrician.held) == (4, ())
    assert electrician.deemed_via == ("special_operation:1.1",)
    assert electrician.basis.rule_ids == ("N26-2c",)
    superseded = {d.level: d.superseded_by for d in evaluation.deemed_levels}
    assert superseded == {5: 4, 4: None}


def test_a_deemed_level_equal_to_the_level_held_stays_in_force() -> None:
    """Deemed 五级 opens 四级 without years (N26-2b), which a held 五级 does not: it is
    not superseded, and the standing rests on both."""
    evaluation = run(
        Profile(certificates=(held("熔化焊接与热切割作业"), held("焊工", 5)), as_of=AS_OF)
    )
    (welder,) = evaluation.standings
    assert (welder.level, welder.held, welder.basis.rule_ids) == (5, ("焊工",), ("N26-2b",))
    assert [d.superseded_by for d in evaluation.deemed_levels] == [None]


def test_a_certificate_that_does_not_count_gives_no_standing() -> None:
    evaluation = run(
        Profile(
            certificates=(held("焊工", 3, status="revoked"), held("熔化焊接与热切割作业")),
            as_of=AS_OF,
        )
    )
    assert [(s.occupation, s.level) for s in evaluation.standings] == [(WELDER, 5)]
    assert [d.superseded_by for d in evaluation.deemed_levels] == [None]


# ---------------------------------------------------------------- exemptions already held


def test_an_exemption_for_a_certificate_already_held_is_marked_not_dropped() -> None:
    evaluation = run(
        Profile(
            certificates=(held("熔化焊接与热切割作业"), held("建筑焊工")),
            as_of=AS_OF,
            target="construction:12",
        )
    )
    assert {e.code for e in evaluation.exemptions} == {"safety_training", "theory_exam"}
    assert all(e.already_held for e in evaluation.exemptions)
    assert evaluation.one_exam
    assert all(o.already_held for o in evaluation.one_exam)


def test_an_expired_certificate_of_the_target_does_not_count_as_already_held() -> None:
    expired = held("建筑焊工", issued=date(2020, 1, 1), valid_until=date(2022, 1, 1))
    evaluation = run(
        Profile(
            certificates=(held("熔化焊接与热切割作业"), expired),
            as_of=AS_OF,
            target="construction:12",
        )
    )
    assert evaluation.exemptions
    assert not any(e.already_held for e in evaluation.exemptions)
    assert not any(o.already_held for o in evaluation.one_exam)


# ---------------------------------------------------------------- the province


def test_the_chosen_exam_province_applies_and_says_it_was_chosen() -> None:
    profile = Profile(
        certificates=(held("熔化焊接与热切割作业", province="14"),), as_of=AS_OF, province="44"
    )
    evaluation = run(profile)
    assert (evaluation.province, evaluation.province_source) == ("44", "chosen")


def test_without_a_choice_the_province_comes_from_the_counting_certificates() -> None:
    one = Profile(
        certificates=(
            held("熔化焊接与热切割作业", province="14"),
            held("建筑焊工", province="35", status="suspended"),
        ),
        as_of=AS_OF,
    )
    several = Profile(
        certificates=(
            held("熔化焊接与热切割作业", province="14"),
            held("建筑焊工", province="35"),
        ),
        as_of=AS_OF,
    )
    nothing = Profile(certificates=(held("建筑焊工", status="revoked"),), as_of=AS_OF)
    assert (run(one).province, run(one).province_source) == ("14", "certificates")
    assert (run(several).province, run(several).province_source) == (None, "several")
    assert (run(nothing).province, run(nothing).province_source) == (None, "none")


def test_a_day_before_issue_the_target_is_not_yet_held() -> None:
    tomorrow = held("建筑焊工", issued=AS_OF + timedelta(days=1))
    evaluation = run(
        Profile(
            certificates=(held("熔化焊接与热切割作业"), tomorrow),
            as_of=AS_OF,
            target="construction:12",
        )
    )
    assert evaluation.exemptions
    assert not any(e.already_held for e in evaluation.exemptions)
