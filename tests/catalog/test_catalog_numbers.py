"""Certificate numbers: generated numbers validate, broken ones are refused by rule."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.catalog import generate_number, load_catalog, normalize_number, validate_number
from certbridge.errors import InputError

CATALOG = load_catalog()
PROVINCES = sorted(CATALOG.provinces)
CONSTRUCTION_CATEGORIES = sorted(
    t.category_code or "" for t in CATALOG.types_of_scheme("construction")
)
seeds = st.integers(min_value=0, max_value=2**32)


def _refused(scheme: str, number: str) -> InputError:
    with pytest.raises(InputError) as caught:
        validate_number(scheme, number)
    return caught.value


def _replace(number: str, position: int, char: str) -> str:
    """Replace the character at 1-based `position`."""
    return number[: position - 1] + char + number[position:]


# ---------------------------------------------------------------- round trips

skill_fields = st.fixed_dictionaries(
    {
        "institution_type": st.sampled_from("YS"),
        "institution_code": st.integers(0, 9999),
        "province_code": st.sampled_from(PROVINCES),
        "year": st.integers(2000, 2099),
        "level": st.integers(1, 5),
        "serial": st.integers(0, 999_999),
    }
)


@given(fields=skill_fields, seed=seeds)
def test_skill_level_numbers_round_trip_with_the_fields_put_in(
    fields: dict[str, Any], seed: int
) -> None:
    number = generate_number("skill_level", random.Random(seed), **fields)
    info = validate_number("skill_level", number)
    assert len(number) == 22
    assert info.number == number
    assert info.institution_type == fields["institution_type"]
    assert info.institution_code == f"{fields['institution_code']:04d}"
    assert (info.province_code, info.year, info.level) == (
        fields["province_code"],
        fields["year"],
        fields["level"],
    )


qualification_fields = st.fixed_dictionaries(
    {
        "year": st.integers(1990, 2089),
        "province_code": st.sampled_from(PROVINCES),
        "institution_type": st.sampled_from("01234"),
        "institution_code": st.integers(0, 999),
        "level": st.integers(1, 5),
    }
)


@given(fields=qualification_fields, seed=seeds)
def test_qualification_numbers_round_trip_with_the_fields_put_in(
    fields: dict[str, Any], seed: int
) -> None:
    number = generate_number("qualification", random.Random(seed), **fields)
    info = validate_number("qualification", number)
    assert len(number) == 16
    assert (info.year, info.province_code, info.level) == (
        fields["year"],
        fields["province_code"],
        fields["level"],
    )
    assert info.institution_type == fields["institution_type"]
    assert info.institution_code == f"{fields['institution_code']:03d}"


construction_fields = st.fixed_dictionaries(
    {
        "province_code": st.sampled_from(PROVINCES),
        "city_letter": st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
        "category_code": st.sampled_from(CONSTRUCTION_CATEGORIES),
        "year": st.integers(2008, 2099),
    }
)


@given(fields=construction_fields, seed=seeds)
def test_construction_numbers_round_trip_with_the_fields_put_in(
    fields: dict[str, Any], seed: int
) -> None:
    number = generate_number("construction", random.Random(seed), **fields)
    info = validate_number("construction", number)
    assert len(number) == 14
    assert number[0] == CATALOG.provinces[fields["province_code"]].abbreviation
    assert (info.province_code, info.category_code, info.year) == (
        fields["province_code"],
        fields["category_code"],
        fields["year"],
    )


@pytest.mark.parametrize("scheme", ["special_operation", "special_equipment"])
@given(seed=seeds)
def test_numbers_that_embed_an_id_number_round_trip(scheme: str, seed: int) -> None:
    number = generate_number(scheme, random.Random(seed))
    info = validate_number(scheme, number)
    assert info.embedded_id_number is not None
    assert number.endswith(info.embedded_id_number)
    assert len(info.embedded_id_number) == 18
    again = generate_number(scheme, random.Random(0), id_number=info.embedded_id_number)
    assert again == number


@pytest.mark.parametrize("scheme", sorted(CATALOG.schemes))
@given(seed=seeds)
def test_random_numbers_of_every_scheme_validate(scheme: str, seed: int) -> None:
    number = generate_number(scheme, random.Random(seed))
    assert validate_number(scheme, number).scheme == scheme


# ---------------------------------------------------------------- mutations


@pytest.mark.parametrize("scheme", sorted(CATALOG.schemes))
@given(seed=seeds, cut=st.booleans())
def test_a_number_one_character_too_short_or_long_is_refused_for_its_length(
    scheme: str, seed: int, cut: bool
) -> None:
    number = generate_number(scheme, random.Random(seed))
    broken = number[:-1] if cut else number + "1"
    assert _refused(scheme, broken).code == "number.length"


@given(seed=seeds, digit=st.sampled_from("06789"))
def test_a_skill_level_number_with_level_digit_outside_1_to_5_is_refused(
    seed: int, digit: str
) -> None:
    number = generate_number("skill_level", random.Random(seed))
    error = _refused("skill_level", _replace(number, 16, digit))
    assert error.code == "number.level"
    assert "第16位" in error.message


@given(seed=seeds, digit=st.sampled_from("06789"))
def test_a_qualification_number_with_level_digit_outside_1_to_5_is_refused(
    seed: int, digit: str
) -> None:
    number = generate_number("qualification", random.Random(seed))
    assert _refused("qualification", _replace(number, 11, digit)).code == "number.level"


@given(seed=seeds, digit=st.sampled_from("56789"))
def test_a_qualification_number_with_an_unknown_institution_type_is_refused(
    seed: int, digit: str
) -> None:
    number = generate_number("qualification", random.Random(seed))
    assert _refused("qualification", _replace(number, 7, digit)).code == "number.institution_type"


@given(seed=seeds, letter=st.sampled_from("ABXZ1"))
def test_a_skill_level_number_must_start_with_y_or_s(seed: int, letter: str) -> None:
    number = generate_number("skill_level", random.Random(seed))
    assert _refused("skill_level", _replace(number, 1, letter)).code == "number.institution_type"


@given(seed=seeds, code=st.sampled_from(["00", "10", "99", "71", "81"]))
def test_a_skill_level_number_with_an_unknown_province_code_is_refused(
    seed: int, code: str
) -> None:
    number = generate_number("skill_level", random.Random(seed))
    assert _refused("skill_level", number[:5] + code + number[7:]).code == "number.province"


@given(seed=seeds, char=st.sampled_from(["中", "A", "1", "黔", "港"]))
def test_a_construction_number_with_a_wrong_province_abbreviation_is_refused(
    seed: int, char: str
) -> None:
    number = generate_number("construction", random.Random(seed))
    error = _refused("construction", _replace(number, 1, char))
    assert error.code == "number.province"
    assert "省份简称" in error.message


@given(seed=seeds)
def test_a_construction_number_with_an_unknown_category_or_early_year_is_refused(
    seed: int,
) -> None:
    number = generate_number("construction", random.Random(seed))
    assert _refused("construction", number[:2] + "99" + number[4:]).code == "number.category"
    assert _refused("construction", number[:4] + "2007" + number[8:]).code == "number.year"
    assert _refused("construction", _replace(number, 2, "1")).code == "number.city"


@pytest.mark.parametrize("scheme", ["special_operation", "special_equipment"])
@given(seed=seeds)
def test_an_embedded_id_number_with_a_wrong_check_character_is_refused(
    scheme: str, seed: int
) -> None:
    number = generate_number(scheme, random.Random(seed))
    wrong = "0" if number[-1] != "0" else "1"
    error = _refused(scheme, number[:-1] + wrong)
    assert error.code == "number.id_number"
    assert "公民身份号码" in error.message


@given(seed=seeds, letter=st.sampled_from("ASX1"))
def test_a_special_operation_number_must_start_with_t(seed: int, letter: str) -> None:
    number = generate_number("special_operation", random.Random(seed))
    assert _refused("special_operation", _replace(number, 1, letter)).code == "number.prefix"


@pytest.mark.parametrize(
    ("scheme", "position"), [("skill_level", 10), ("qualification", 3), ("construction", 12)]
)
@given(seed=seeds)
def test_a_letter_where_a_digit_belongs_is_refused_as_format(
    scheme: str, position: int, seed: int
) -> None:
    number = generate_number(scheme, random.Random(seed))
    error = _refused(scheme, _replace(number, position, "K"))
    assert error.code == "number.format"


# ---------------------------------------------------------------- worked examples


def test_the_documented_skill_level_example_parses() -> None:
    info = validate_number("skill_level", "Y000123000001195000001")
    assert info.institution_type == "Y"
    assert info.institution_code == "0001"
    assert info.province_code == "23"
    assert info.year == 2019
    assert info.level == 5


def test_the_documented_construction_example_parses() -> None:
    info = validate_number("construction", "晋A012008000001")
    assert (info.province_code, info.category_code, info.year) == ("14", "01", 2008)


def test_a_qualification_number_parses_year_province_type_and_level() -> None:
    info = validate_number("qualification", "0644010020400001")
    assert (info.year, info.province_code, info.institution_type, info.level) == (
        2006,
        "44",
        "0",
        4,
    )
    assert info.institution_code == "020"


def test_a_shanghai_thirteen_digit_qualification_number_is_padded_with_zeros() -> None:
    info = validate_number("qualification", "1234567890123")
    assert info.number == "0001234567890123"
    assert info.province_code == "31"
    assert validate_number("qualification", info.number) == info


def test_numbers_are_normalised_before_validation() -> None:
    assert normalize_number(" ｙ０００１ 23000001195000001 ") == "Y000123000001195000001"
    info = validate_number("skill_level", "ｙ000123000001195000001")
    assert info.number == "Y000123000001195000001"
    assert validate_number("construction", " 晋ａ012008000001").number == "晋A012008000001"


def test_an_empty_number_or_unknown_scheme_is_refused() -> None:
    assert _refused("skill_level", "  ").code == "number.empty"
    assert _refused("driving", "123").code == "catalog.unknown_scheme"


def test_generating_with_an_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="colour"):
        generate_number("skill_level", random.Random(1), colour="red")


def test_generating_with_fields_that_break_a_rule_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        generate_number("skill_level", random.Random(1), level=6)
    assert caught.value.code == "number.level"
