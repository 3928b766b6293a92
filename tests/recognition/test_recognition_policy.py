"""Policy files: the bundled data is consistent, operators' edits are checked, provinces override."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from certbridge.recognition.engine import Held, Profile, evaluate
from certbridge.recognition.policy import (
    PolicyDataError,
    bundled_policy_dir,
    check_policy,
    load_policy,
    read_policy,
)
from support import GUANGDONG_SAFETY_TRAINING_ONLY

AS_OF = date(2026, 11, 29)


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(bundled_policy_dir(), target)
    return target


def _problems_after(policy_dir: Path, text: str, name: str = "extra.toml") -> list[str]:
    (policy_dir / name).write_text(text, encoding="utf-8")
    return check_policy(policy_dir)


def test_the_bundled_policy_has_no_problems() -> None:
    assert check_policy(bundled_policy_dir()) == []
    policy = load_policy()
    assert all(rule.citation.text and rule.citation.title for rule in policy.rules.values())


def test_an_unknown_certificate_type_is_refused(policy_dir: Path) -> None:
    problems = _problems_after(
        policy_dir,
        '[[row]]\nid = "X1"\nfrom = ["飞船驾驶作业"]\nto = "建筑电工"\nrules = ["N26-1"]\nunconfirmed = true\n',
    )
    assert any("飞船驾驶作业" in p and "未知的证书类型" in p for p in problems)


def test_a_rule_without_a_citation_is_refused(policy_dir: Path) -> None:
    problems = _problems_after(
        policy_dir,
        '[[rule]]\nid = "X2"\nkind = "exemption"\nexempt = ["theory_exam"]\n'
        'effective_from = 2026-01-16\njurisdiction = "national"\nunconfirmed = false\n',
    )
    assert any("X2" in p and "citation" in p for p in problems)


def test_contradictory_deemed_levels_in_force_together_are_refused(policy_dir: Path) -> None:
    problems = _problems_after(
        policy_dir,
        '[[rule]]\nid = "X3"\nkind = "deemed_level"\nholding = ["低压电工作业"]\n'
        'occupation = "6-31-01-03"\nlevel = 3\neffective_from = 2026-06-01\n'
        'jurisdiction = "national"\nunconfirmed = false\n'
        'citation = { document = "notice-2026", clause = "x", text = "x" }\n',
    )
    assert any("X3" in p and "矛盾" in p for p in problems)


def test_a_duplicate_correspondence_row_is_refused(policy_dir: Path) -> None:
    problems = _problems_after(
        policy_dir,
        '[[row]]\nid = "X4"\nfrom = ["低压电工作业"]\nto = "建筑电工"\nrules = ["N26-1"]\nunconfirmed = true\n',
    )
    assert any("X4" in p and "重复" in p for p in problems)


def test_a_same_department_row_is_refused(policy_dir: Path) -> None:
    problems = _problems_after(
        policy_dir,
        '[[row]]\nid = "X5"\nfrom = ["低压电工作业"]\nto = "高压电工作业"\nrules = ["N26-1"]\nunconfirmed = true\n',
    )
    assert any("X5" in p and "同一部门" in p for p in problems)


def test_replacing_an_unknown_rule_is_refused(policy_dir: Path) -> None:
    text = GUANGDONG_SAFETY_TRAINING_ONLY.replace('replaces = ["N26-1"]', 'replaces = ["N99"]')
    problems = _problems_after(policy_dir, text)
    assert any("N99" in p for p in problems)


def test_load_policy_refuses_inconsistent_files(policy_dir: Path) -> None:
    (policy_dir / "broken.toml").write_text("[[rule]]\nid = 1\n", encoding="utf-8")
    with pytest.raises(PolicyDataError):
        load_policy(policy_dir)


def _exemptions(policy_dir: Path, province: str | None, as_of: date = AS_OF) -> set[str]:
    policy, problems = read_policy(policy_dir)
    assert problems == []
    profile = Profile(
        certificates=(Held("special_operation:1.2", None, date(2022, 3, 1), None, "valid"),),
        as_of=as_of,
        target="construction:01",
        province=province,
    )
    evaluation = evaluate(profile, policy.in_force(as_of, province))
    return {e.code for e in evaluation.exemptions}


def test_a_provincial_override_changes_answers_in_that_province_only(policy_dir: Path) -> None:
    (policy_dir / "provinces").mkdir(exist_ok=True)
    (policy_dir / "provinces" / "44.toml").write_text(
        GUANGDONG_SAFETY_TRAINING_ONLY, encoding="utf-8"
    )
    # N26-1 gave the theory exam; 广东's provision keeps only the safety training.
    assert _exemptions(policy_dir, "44") == {"safety_training"}
    assert _exemptions(policy_dir, "14") == {"safety_training", "theory_exam"}
    assert _exemptions(policy_dir, None) == {"safety_training", "theory_exam"}
    # Before the provincial provision took effect, the national rule applies there too.
    assert _exemptions(policy_dir, "44", date(2026, 2, 1)) == {"safety_training", "theory_exam"}


def test_rules_expire_after_their_effective_until(policy_dir: Path) -> None:
    national = policy_dir / "national.toml"
    text = national.read_text(encoding="utf-8").replace(
        'id = "N26-1"\nkind = "exemption"',
        'id = "N26-1"\nkind = "exemption"\neffective_until = 2026-06-30',
    )
    national.write_text(text, encoding="utf-8")
    assert _exemptions(policy_dir, None, date(2026, 6, 30)) == {"safety_training", "theory_exam"}
    assert _exemptions(policy_dir, None, date(2026, 7, 1)) == {"safety_training"}


def _eligibility_rule(years: str) -> str:
    return (
        '[[rule]]\nid = "X-4"\nkind = "eligibility"\noccupations = ["6-31-01-03"]\nlevel = 4\n'
        f"after_level = 5\nyears_after_level = {years}\neffective_from = 2026-01-16\n"
        'jurisdiction = "national"\nunconfirmed = true\n'
        'citation = { document = "standards-2018", clause = "测试", text = "测试" }\n'
    )


@pytest.mark.parametrize("years", ["2.25", "-1", "120", '"两年"'])
def test_a_wait_that_is_not_tenths_of_a_year_is_refused(policy_dir: Path, years: str) -> None:
    problems = _problems_after(policy_dir, _eligibility_rule(years))
    assert any("years_after_level" in p and "X-4" in p for p in problems), problems


@pytest.mark.parametrize("years", ["2.5", "10", "0"])
def test_a_wait_in_tenths_of_a_year_up_to_99_9_is_accepted(policy_dir: Path, years: str) -> None:
    assert _problems_after(policy_dir, _eligibility_rule(years)) == []
