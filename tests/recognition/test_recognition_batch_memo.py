"""The batch's memo gives every person exactly the answer evaluated for them alone.

One memo answers every example of a test, as it answers every holder of a batch: most
answers come from signatures, coarse signatures and ladder parts that earlier examples
filled, which is where a wrong shortcut would show."""

from __future__ import annotations

import functools
import shutil
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from certbridge.recognition.engine import Held, standing
from certbridge.recognition.memo import CODE_SEPARATOR, LEVEL_WEIGHT, Memo, summarize
from certbridge.recognition.policy import Policy, bundled_policy_dir, load_policy
from support import GUANGDONG_SAFETY_TRAINING_ONLY

AS_OF = date(2026, 11, 29)
TYPES = [
    "special_operation:1.1",
    "special_operation:1.2",
    "special_operation:2.1",
    "construction:01",
    "construction:12",
    "special_equipment:weld_metal",
    "special_equipment:N1",
    "skill_level:6-31-01-03",
    "skill_level:6-18-02-04",
    "qualification:6-31-01-03",
    "special_operation:3.1",  # bears on no rule, but places its holder in a province
]
# 广东 shortens the wait for 四级 to two and a half years (a threshold between whole
# years), opens 五级 after half a year in the trade (a path that years alone can meet),
# and keeps only the safety training of N26-1.
GUANGDONG = (
    """
[[rule]]
id = "P44-5a"
kind = "eligibility"
occupations = ["6-31-01-03", "6-18-02-04"]
level = 5
years_in_trade = 0.5
replaces = ["STD-5a"]
effective_from = 2026-03-01
jurisdiction = "44"
unconfirmed = true
citation = { document = "standards-2018", clause = "测试", text = "测试用省级特别规定：从事本职业满半年可申报五级" }

[[rule]]
id = "P44-4a"
kind = "eligibility"
occupations = ["6-31-01-03", "6-18-02-04"]
level = 4
after_level = 5
years_after_level = 2.5
replaces = ["STD-4a"]
effective_from = 2026-03-01
jurisdiction = "44"
unconfirmed = true
citation = { document = "standards-2018", clause = "测试", text = "测试用省级特别规定：五级后满2.5年可申报四级" }
"""
    + GUANGDONG_SAFETY_TRAINING_ONLY
)


def _provincial_policy(directory: Path) -> Policy:
    shutil.copytree(bundled_policy_dir(), directory)
    (directory / "provinces").mkdir(exist_ok=True)
    (directory / "provinces" / "44.toml").write_text(GUANGDONG, encoding="utf-8")
    return load_policy(directory)


NATIONAL = load_policy()
MEMOS = {None: Memo(NATIONAL, AS_OF, None), "target": Memo(NATIONAL, AS_OF, "construction:01")}


@st.composite
def holder(draw: st.DrawFn) -> list[Held]:
    result = []
    for _ in range(draw(st.integers(1, 4))):
        type_code = draw(st.sampled_from(TYPES))
        skill = type_code.startswith(("skill", "qualification"))
        # Days held: anything from not yet issued to far past every threshold, often
        # within weeks of a threshold the rules set (whole years, or 0.5 and 2.5 in 广东).
        near_a_threshold = st.builds(
            lambda years, days: round(years * 365.2425) + days,
            st.sampled_from([0.5, 1, 2, 2.5, 3, 4, 5, 6]),
            st.integers(-40, 40),
        )
        days = draw(st.one_of(st.integers(-30, 4500), near_a_threshold))
        issued = AS_OF - timedelta(days=days)
        result.append(
            Held(
                type_code,
                draw(st.integers(1, 5)) if skill else None,
                issued,
                None if skill else issued + timedelta(days=draw(st.integers(100, 2500))),
                draw(
                    st.sampled_from(["valid", "valid", "valid", "expired", "suspended", "revoked"])
                ),
                province=draw(st.sampled_from(["14", "44"])),
            )
        )
    return result


def _agrees(memo: Memo, policy: Policy, held: list[Held]) -> None:
    compiled = functools.partial(policy.in_force, AS_OF)
    _province, fragment, keys = memo.answer(held)
    assert (fragment, keys) == summarize(held, AS_OF, memo.target, compiled)


@settings(max_examples=600, deadline=None)
@given(holder())
def test_a_memoised_answer_equals_the_answer_computed_alone(held: list[Held]) -> None:
    _agrees(MEMOS[None], NATIONAL, held)


@settings(max_examples=300, deadline=None)
@given(holder())
def test_a_memoised_answer_for_a_target_equals_the_answer_computed_alone(
    held: list[Held],
) -> None:
    _agrees(MEMOS["target"], NATIONAL, held)


def test_a_province_with_its_own_provisions_gets_its_own_memoised_answers(
    tmp_path: Path,
) -> None:
    policy = _provincial_policy(tmp_path / "policy")
    memo = Memo(policy, AS_OF, None)
    assert memo.provinces == {"44"}

    @settings(max_examples=600, deadline=None)
    @given(holder())
    def check(held: list[Held]) -> None:
        _agrees(memo, policy, held)

    check()


def test_answers_agree_on_every_week_around_every_threshold(tmp_path: Path) -> None:
    """Whole ladders swept a week at a time over the years the rules count, in a province
    with its own thresholds and in one without: the coarse and refined keys must split
    exactly where the rules' thresholds do."""
    policy = _provincial_policy(tmp_path / "policy")
    memo = Memo(policy, AS_OF, None)
    for days in range(0, 7 * 365, 7):
        issued = AS_OF - timedelta(days=days)
        earlier = issued - timedelta(days=400)
        for province in ("44", "14"):
            for level in range(1, 6):
                shapes = [
                    [Held("skill_level:6-31-01-03", level, issued, None, province=province)],
                    [
                        Held("skill_level:6-18-02-04", level, issued, None, province=province),
                        Held("special_operation:2.1", None, earlier, AS_OF, province=province),
                    ],
                    [
                        Held("skill_level:6-31-01-03", level, issued, None, province=province),
                        Held("construction:01", None, earlier, issued, "expired"),
                    ],
                    [  # years in the trade only; the province from a certificate of no rule
                        Held("special_operation:3.1", None, earlier, None, province=province),
                        Held("special_operation:1.1", None, issued, AS_OF, "expired"),
                    ],
                ]
                for held in shapes:
                    _agrees(memo, policy, held)


def _codes(memo: Memo, held: list[Held]) -> str:
    """The entry codes SQL writes for these certificates (batch_sql.signature_query)."""
    table = {code: (touches, base, trade) for code, touches, base, trade in memo.type_table()}
    codes = []
    for h in held:
        touches, base, trade = table[h.type_code]
        tenths = memo.tenths(h.issued)
        if standing(h, AS_OF)[0]:
            grants = base + (h.level or 0) * LEVEL_WEIGHT + (tenths if touches else 0)
            codes.append(0 if touches is None else grants)
        elif h.status != "revoked" and trade is not None and tenths >= 0:
            codes.append(trade + tenths)
    return CODE_SEPARATOR.join(map(str, reversed(codes)))  # in any order


def test_entry_codes_answer_as_the_certificates_they_stand_for_even_past_ten_years(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "policy"
    shutil.copytree(bundled_policy_dir(), directory)
    national = directory / "national.toml"
    national.write_text(
        national.read_text(encoding="utf-8").replace(
            "years_after_level = 5\n", "years_after_level = 12\n"
        ),
        encoding="utf-8",
    )
    policy = load_policy(directory)
    memo = Memo(policy, AS_OF, None)
    assert memo.cap > 120  # tenths wider than two digits
    for days in range(0, 15 * 365, 30):
        issued = AS_OF - timedelta(days=days)
        held = [
            Held("skill_level:6-31-01-03", 4, issued, None, province="14"),
            Held("construction:01", None, issued - timedelta(days=90), issued, "expired"),
            Held("special_operation:3.1", None, issued, None, province="14"),
        ]
        province, answer_id = memo.answer_codes("14", _codes(memo, held))
        assert province == "14"
        assert memo.by_id[answer_id] == memo.answer(held)[1:]
        _agrees(memo, policy, held)


def test_a_chosen_exam_province_gives_everyone_the_answer_computed_there(
    tmp_path: Path,
) -> None:
    policy = _provincial_policy(tmp_path / "policy")
    memos = {p: Memo(policy, AS_OF, None, province=p) for p in ("44", "14")}
    compiled = functools.partial(policy.in_force, AS_OF)

    @settings(max_examples=400, deadline=None)
    @given(holder(), st.sampled_from(["44", "14"]))
    def check(held: list[Held], chosen: str) -> None:
        province, fragment, keys = memos[chosen].answer(held)
        assert province == chosen
        assert (fragment, keys) == summarize(held, AS_OF, None, compiled, chosen)

    check()
