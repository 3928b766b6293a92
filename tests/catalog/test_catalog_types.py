"""Certificate types, occupations and levels resolve from what people type."""

from __future__ import annotations

import pytest

from certbridge.catalog import CertificateType, load_catalog
from certbridge.errors import InputError

CATALOG = load_catalog()
ALL_TYPES = sorted(CATALOG.types.values(), key=lambda t: t.code)
ELECTRICIAN, WELDER = "6-31-01-03", "6-18-02-04"


@pytest.mark.parametrize("cert_type", ALL_TYPES, ids=lambda t: t.code)
def test_every_type_resolves_by_its_code_its_name_and_each_alias(
    cert_type: CertificateType,
) -> None:
    for text in (cert_type.code, cert_type.name_zh, *cert_type.aliases):
        assert CATALOG.resolve_type(text) is cert_type, text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("低压电工作业", "special_operation:1.2"),
        ("建筑电工", "construction:01"),
        ("电工", f"skill_level:{ELECTRICIAN}"),
        ("特种设备焊接操作", "special_equipment:weld_metal"),
        ("特种设备焊工", "special_equipment:weld_metal"),
        ("压力容器焊工", "special_equipment:weld_metal"),
        ("电工（职业资格）", f"qualification:{ELECTRICIAN}"),
        ("叉车司机", "special_equipment:N1"),
    ],
)
def test_names_people_use_resolve_to_the_expected_type(text: str, code: str) -> None:
    assert CATALOG.resolve_type(text).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (" 建筑架子工(普通) ", "construction:02"),
        ("建筑架子工（普通）", "construction:02"),
        ("建 筑 电 工", "construction:01"),
        ("低压电工作业证", "special_operation:1.2"),
        ("建筑电工证书", "construction:01"),
        ("SPECIAL_EQUIPMENT:q2", "special_equipment:Q2"),
    ],
)
def test_resolution_tolerates_spaces_full_width_brackets_case_and_certificate_suffixes(
    text: str, code: str
) -> None:
    assert CATALOG.resolve_type(text).code == code


def test_an_unknown_name_is_refused_with_close_suggestions() -> None:
    with pytest.raises(InputError) as caught:
        CATALOG.resolve_type("低压电工做业")
    assert caught.value.code == "catalog.unknown_type"
    assert "低压电工作业" in caught.value.message


def test_a_name_with_nothing_close_is_refused_with_advice() -> None:
    with pytest.raises(InputError) as caught:
        CATALOG.resolve_type("宇航员")
    assert caught.value.code == "catalog.unknown_type"
    assert "宇航员" in caught.value.message


def test_every_scheme_has_types_and_types_of_scheme_keeps_to_its_scheme() -> None:
    for code in CATALOG.schemes:
        found = CATALOG.types_of_scheme(code)
        assert found
        assert {t.scheme for t in found} == {code}


def test_the_eleven_special_operation_categories_are_all_covered() -> None:
    categories = {t.category_code for t in CATALOG.types_of_scheme("special_operation")}
    assert categories == {str(n) for n in range(1, 12)}


def test_construction_categories_are_two_digit_and_include_the_provincial_welder() -> None:
    types = CATALOG.types_of_scheme("construction")
    assert sorted(t.category_code or "" for t in types) == [f"{n:02d}" for n in range(1, 13)]
    welder = CATALOG.resolve_type("建筑焊工")
    assert welder.unconfirmed
    assert welder.source


def test_special_equipment_items_carry_their_catalogue_code() -> None:
    assert CATALOG.resolve_type("起重机司机").category_code == "Q2"
    assert CATALOG.resolve_type("安全阀校验").category_code == "F"
    assert CATALOG.resolve_type("金属焊接操作").category_name_zh == "特种设备焊接作业"


@pytest.mark.parametrize(
    ("text", "occupation"),
    [
        ("低压电工作业", ELECTRICIAN),
        ("高压电工作业", ELECTRICIAN),
        ("防爆电气作业", ELECTRICIAN),
        ("建筑电工", ELECTRICIAN),
        ("熔化焊接与热切割作业", WELDER),
        ("压力焊作业", WELDER),
        ("钎焊作业", WELDER),
        ("建筑焊工", WELDER),
        ("金属焊接操作", WELDER),
        ("登高架设作业", None),
    ],
)
def test_non_mohrss_types_name_the_occupation_they_correspond_to(
    text: str, occupation: str | None
) -> None:
    assert CATALOG.resolve_type(text).occupation == occupation


def test_every_occupation_used_by_a_type_is_in_the_catalogue() -> None:
    for cert_type in ALL_TYPES:
        if cert_type.occupation is not None:
            assert CATALOG.occupation(cert_type.occupation).code == cert_type.occupation


def test_mohrss_schemes_have_one_level_type_per_occupation() -> None:
    for scheme in ("skill_level", "qualification"):
        for occupation in CATALOG.occupations:
            found = CATALOG.skill_type_for(scheme, occupation)
            assert found.requires_level
            assert found.code == f"{scheme}:{occupation}"
    assert not CATALOG.resolve_type("低压电工作业").requires_level


def test_skill_type_for_refuses_a_scheme_without_level_types() -> None:
    with pytest.raises(InputError) as caught:
        CATALOG.skill_type_for("construction", ELECTRICIAN)
    assert caught.value.code == "catalog.unknown_type"


def test_unknown_codes_are_refused_with_their_own_codes() -> None:
    with pytest.raises(InputError) as scheme:
        CATALOG.scheme("driving_licence")
    with pytest.raises(InputError) as occupation:
        CATALOG.occupation("9-99-99-99")
    assert scheme.value.code == "catalog.unknown_scheme"
    assert occupation.value.code == "catalog.unknown_occupation"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("四级", 4),
        ("中级工", 4),
        ("四级/中级工", 4),
        ("四级（中级工）", 4),
        ("4", 4),
        (4, 4),
        ("中级", 4),
        ("4级", 4),
        ("五级", 5),
        ("初级工", 5),
        ("三级/高级工", 3),
        ("技师", 2),
        ("二级", 2),
        ("高级技师", 1),
        ("一级/高级技师", 1),
        (" １ ", 1),
    ],
)
def test_level_text_resolves(text: str | int, number: int) -> None:
    assert CATALOG.resolve_level(text).number == number


@pytest.mark.parametrize("text", ["六级", "0", 6, "特级技师", ""])
def test_an_unknown_level_is_refused(text: str | int) -> None:
    with pytest.raises(InputError) as caught:
        CATALOG.resolve_level(text)
    assert caught.value.code == "catalog.unknown_level"


def test_level_label_joins_level_and_grade() -> None:
    assert CATALOG.levels[4].label == "四级/中级工"
    assert [CATALOG.levels[n].grade_zh for n in (5, 1)] == ["初级工", "高级技师"]


def test_schemes_carry_departments_and_id_number_flags() -> None:
    assert (
        CATALOG.departments[CATALOG.scheme("special_operation").department].short_zh == "应急管理"
    )
    assert CATALOG.scheme("special_operation").number_embeds_id_number
    assert not CATALOG.scheme("skill_level").number_embeds_id_number
    assert CATALOG.scheme("special_equipment").unconfirmed
    rule = CATALOG.scheme("special_operation").validity
    assert (rule.validity_years, rule.review_interval_years, rule.review_window_days) == (6, 3, 60)
    assert CATALOG.scheme("construction").validity.review_kind_zh == "延期复核"
