"""Properties of the evaluator over generated profiles (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from certbridge.catalog import load_catalog
from certbridge.recognition.engine import (
    Evaluation,
    Held,
    Profile,
    evaluate,
    jurisdiction_of,
    standing,
)
from certbridge.recognition.policy import load_policy

ELECTRICIAN, WELDER = "6-31-01-03", "6-18-02-04"
TYPES = [
    "special_operation:1.1",
    "special_operation:1.2",
    "special_operation:2.1",
    "construction:01",
    "construction:12",
    "special_equipment:weld_metal",
    "skill_level:6-31-01-03",
    "skill_level:6-18-02-04",
    "qualification:6-31-01-03",
]
TARGETS = [
    None,
    "construction:01",
    "construction:12",
    "special_operation:1.2",
    "special_operation:2.1",
    "special_equipment:weld_metal",
]
DAYS = st.dates(min_value=date(2012, 1, 1), max_value=date(2027, 12, 31))
# Most answers under the notice need an as-of date after it took effect (2026-01-16) and
# certificates still valid then: half the profiles are drawn there.
UNDER_THE_NOTICE = st.dates(min_value=date(2026, 1, 16), max_value=date(2027, 12, 31))
RECENT = st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def certificates(draw: st.DrawFn, status: st.SearchStrategy[str] | None = None) -> Held:
    type_code = draw(st.sampled_from(TYPES))
    skill = type_code.startswith(("skill_level", "qualification"))
    issued = draw(st.one_of(DAYS, RECENT))
    until = None if skill else issued + timedelta(days=draw(st.integers(200, 2500)))
    return Held(
        type_code,
        draw(st.integers(1, 5)) if skill else None,
        issued,
        until,
        draw(
            status
            if status is not None
            else st.sampled_from(["valid", "valid", "suspended", "revoked", "expired"])
        ),
    )


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    return Profile(
        certificates=tuple(draw(st.lists(certificates(), max_size=4))),
        as_of=draw(st.one_of(DAYS, UNDER_THE_NOTICE)),
        experience_years=draw(
            st.dictionaries(st.sampled_from([ELECTRICIAN, WELDER]), st.floats(0, 30), max_size=2)
        ),
        education=tuple(
            draw(st.lists(st.sampled_from(["技工学校", "技师学院", "大专"]), max_size=2))
        ),
        apprenticeship=draw(st.booleans()),
        target=draw(st.sampled_from(TARGETS)),
    )


def run(profile: Profile) -> Evaluation:
    return evaluate(profile, load_policy().in_force(profile.as_of))


def entitlements(evaluation: Evaluation) -> tuple[set[tuple[str, str]], set[tuple[str, int]]]:
    exemptions = {(e.target, e.code) for e in evaluation.exemptions}
    deemed = {(d.occupation, d.level) for d in evaluation.deemed_levels}
    return exemptions, deemed


def reach(evaluation: Evaluation) -> dict[str, int]:
    """Per occupation, the best level held, deemed or open for application (lower is higher)."""
    best: dict[str, int] = {}

    def offer(occupation: str, level: int) -> None:
        best[occupation] = min(best.get(occupation, 6), level)

    for entry in evaluation.eligible_levels:
        offer(entry.occupation, entry.current_level or 6)
        if entry.met:
            offer(entry.occupation, entry.level)
    for deemed in evaluation.deemed_levels:
        offer(deemed.occupation, deemed.level)
    for finding in evaluation.certificates:
        if finding.counts and finding.level and finding.type_code.startswith(("skill", "qual")):
            offer(finding.type_code.split(":")[1], finding.level)
    return best


@settings(max_examples=150, deadline=None)
@given(profiles(), st.lists(certificates(st.sampled_from(["suspended", "revoked"])), min_size=1))
def test_a_suspended_or_revoked_certificate_never_grants_anything(
    profile: Profile, bad: list[Held]
) -> None:
    without = run(profile)
    worse = Profile(**{**profile.__dict__, "certificates": profile.certificates + tuple(bad)})
    with_bad = run(worse)
    assert with_bad.exemptions == without.exemptions
    assert with_bad.deemed_levels == without.deemed_levels
    assert with_bad.eligible_levels == without.eligible_levels
    assert all(not f.counts for f in with_bad.certificates[len(profile.certificates) :])


@settings(max_examples=150, deadline=None)
@given(profiles(), certificates(st.just("valid")))
def test_an_expired_certificate_never_grants_anything(profile: Profile, cert: Held) -> None:
    expired = Held(
        cert.type_code,
        cert.level,
        profile.as_of - timedelta(days=900),
        profile.as_of - timedelta(days=1),
        "valid",
    )
    if expired.valid_until is None or cert.valid_until is None:
        expired = Held(cert.type_code, cert.level, profile.as_of + timedelta(days=1), None, "valid")
    with_expired = run(
        Profile(**{**profile.__dict__, "certificates": (*profile.certificates, expired)})
    )
    without = run(profile)
    assert with_expired.exemptions == without.exemptions
    assert with_expired.deemed_levels == without.deemed_levels
    assert with_expired.eligible_levels == without.eligible_levels
    assert not with_expired.certificates[-1].counts


@settings(max_examples=200, deadline=None)
@given(profiles(), certificates(st.just("valid")))
def test_adding_a_valid_certificate_never_removes_an_entitlement(
    profile: Profile, cert: Held
) -> None:
    before = run(profile)
    after = run(Profile(**{**profile.__dict__, "certificates": (*profile.certificates, cert)}))
    exemptions_before, deemed_before = entitlements(before)
    exemptions_after, deemed_after = entitlements(after)
    assert exemptions_before <= exemptions_after
    assert deemed_before <= deemed_after
    for occupation, level in reach(before).items():
        assert reach(after).get(occupation, 6) <= level


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_every_conclusion_rests_on_rules_in_force_on_the_as_of_date(profile: Profile) -> None:
    policy = load_policy()
    evaluation = run(profile)
    cited = set()
    for group in (evaluation.exemptions, evaluation.deemed_levels, evaluation.eligible_levels):
        for item in group:
            cited.update(item.basis.rule_ids)
    for rule_id in cited:
        assert policy.rules[rule_id].in_force(profile.as_of), (rule_id, profile.as_of)


def test_before_the_notice_took_effect_no_notice_rule_applies() -> None:
    profile = Profile(
        certificates=(Held("special_operation:1.2", None, date(2022, 3, 1), None, "valid"),),
        as_of=date(2026, 1, 15),
        target="construction:01",
    )
    before = run(profile)
    on_the_day = run(Profile(**{**profile.__dict__, "as_of": date(2026, 1, 16)}))
    assert before.exemptions == ()
    assert before.deemed_levels == ()
    assert {e.code for e in on_the_day.exemptions} == {"safety_training", "theory_exam"}


# ---------------------------------------------------------------- properties


def best_levels(evaluation: Evaluation) -> dict[str, int]:
    return {s.occupation: s.level for s in evaluation.standings}


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_the_standing_is_the_best_level_held_or_deemed_and_supersedes_only_lower_ones(
    profile: Profile,
) -> None:
    evaluation = run(profile)
    info = load_catalog().types
    expected: dict[str, int] = {}
    for certificate in profile.certificates:
        t = info[certificate.type_code]
        counts = standing(certificate, profile.as_of)[0]
        if counts and certificate.level and t.occupation and t.scheme != "special_operation":
            expected[t.occupation] = min(expected.get(t.occupation, 6), certificate.level)
    for deemed in evaluation.deemed_levels:
        expected[deemed.occupation] = min(expected.get(deemed.occupation, 6), deemed.level)
    assert best_levels(evaluation) == expected
    for deemed in evaluation.deemed_levels:
        best = expected[deemed.occupation]
        assert deemed.superseded_by == (best if best < deemed.level else None)


@settings(max_examples=200, deadline=None)
@given(profiles(), certificates(st.just("valid")))
def test_adding_a_valid_certificate_never_lowers_a_standing_nor_hides_an_exemption(
    profile: Profile, cert: Held
) -> None:
    before = run(profile)
    after = run(Profile(**{**profile.__dict__, "certificates": (*profile.certificates, cert)}))
    for occupation, level in best_levels(before).items():
        assert best_levels(after)[occupation] <= level
    # Greyed, never hidden: every exemption shown before is still shown.
    assert {(e.target, e.code) for e in before.exemptions} <= {
        (e.target, e.code) for e in after.exemptions
    }


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_an_exemption_is_marked_held_exactly_when_a_counting_certificate_is_of_its_target(
    profile: Profile,
) -> None:
    evaluation = run(profile)
    counting = {c.type_code for c in profile.certificates if standing(c, profile.as_of)[0]}
    for exemption in evaluation.exemptions:
        assert exemption.already_held == (exemption.target in counting)


@settings(max_examples=100, deadline=None)
@given(profiles(), st.sampled_from(["14", "35", "44"]))
def test_a_chosen_province_is_always_the_one_applied(profile: Profile, province: str) -> None:
    chosen = Profile(**{**profile.__dict__, "province": province})
    evaluation = evaluate(chosen, load_policy().in_force(chosen.as_of, jurisdiction_of(chosen)))
    assert (evaluation.province, evaluation.province_source) == (province, "chosen")
