from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.identity import (
    IdNumberError,
    check_character,
    county_codes,
    is_current,
    is_known_address_code,
    make_id_number,
    normalize_id_number,
    parse_id_number,
)

TODAY = date(2025, 6, 30)
FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {"X": "Ｘ"}

counties = st.sampled_from(county_codes(current_only=False))
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, str, date, int]:
    code, born, sequence = draw(counties), draw(birth_dates), draw(sequences)
    return make_id_number(code, born, sequence), code, born, sequence


def refusal(raw: str, today: date = TODAY) -> str:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=today)
    assert caught.value.field == "id_number"
    assert caught.value.message  # a sentence for the person, in Chinese
    return caught.value.code


@given(valid_numbers())
def test_any_generated_number_parses_back_to_the_fields_it_was_made_from(
    made: tuple[str, str, date, int],
) -> None:
    value, code, born, sequence = made
    parsed = parse_id_number(value, today=TODAY)
    assert parsed.value == value
    assert parsed.kind == "resident"
    assert parsed.address_code == code
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if sequence % 2 else "F")
    assert parsed.converted_from_15 is False


@given(valid_numbers(), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_changing_any_one_of_the_first_17_digits_is_never_accepted(
    made: tuple[str, str, date, int], position: int, shift: int
) -> None:
    value = made[0]
    digit = str((int(value[position]) + shift) % 10)
    changed = value[:position] + digit + value[position + 1 :]
    assert refusal(changed) in {
        "id_number.checksum",
        "id_number.address_code",
        "id_number.birth_date",
    }


@given(valid_numbers(), st.data())
def test_full_width_lower_case_and_spaced_variants_normalise_to_the_same_value(
    made: tuple[str, str, date, int], data: st.DataObject
) -> None:
    value = made[0]
    variant = ""
    for character in value:
        variant += data.draw(st.sampled_from(["", " ", "\u3000", "-", "\t"]))
        variant += data.draw(st.sampled_from([character, character.lower(), FULL_WIDTH[character]]))
    assert normalize_id_number(variant) == value
    assert parse_id_number(variant, today=TODAY).value == value


@given(counties, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)
def test_the_15_digit_form_converts_to_the_18_digit_one(
    code: str, born: date, sequence: int
) -> None:
    eighteen = make_id_number(code, born, sequence)
    fifteen = eighteen[:6] + eighteen[8:17]
    parsed = parse_id_number(fifteen, today=TODAY)
    assert parsed.value == eighteen
    assert parsed.converted_from_15 is True
    assert parsed.birth_date == born


def test_the_check_character_of_the_standards_example_is_x() -> None:
    assert check_character("11010519491231002") == "X"
    assert parse_id_number("11010519491231002x", today=TODAY).value == "11010519491231002X"


def test_a_wrong_check_character_is_refused_with_the_checksum_rule() -> None:
    value = make_id_number("110101", date(1990, 3, 7), 123)
    wrong = "0" if value[-1] != "0" else "1"
    assert refusal(value[:-1] + wrong) == "id_number.checksum"


def test_an_odd_sequence_is_male_and_an_even_one_female() -> None:
    assert parse_id_number(make_id_number("110101", date(1990, 3, 7), 1), today=TODAY).sex == "M"
    assert parse_id_number(make_id_number("110101", date(1990, 3, 7), 2), today=TODAY).sex == "F"


def test_a_retired_address_code_is_still_accepted() -> None:
    assert is_known_address_code("110103")  # 北京市崇文区, merged into 东城区 in 2010
    assert not is_current("110103")
    parsed = parse_id_number(make_id_number("110103", date(1975, 5, 1), 17), today=TODAY)
    assert parsed.address_code == "110103"


def test_an_unknown_address_code_is_refused_with_the_address_code_rule() -> None:
    assert not is_known_address_code("110199")
    assert refusal(make_id_number("110199", date(1990, 3, 7), 1)) == "id_number.address_code"


@pytest.mark.parametrize("code", ["110000", "440000", "110100", "440300"])
def test_province_and_prefecture_codes_are_refused_for_residents(code: str) -> None:
    assert is_known_address_code(code)
    with pytest.raises(IdNumberError, match="县级") as caught:
        parse_id_number(make_id_number(code, date(1990, 3, 7), 1), today=TODAY)
    assert caught.value.code == "id_number.address_code"


def test_february_29_in_a_non_leap_year_is_refused_with_the_birth_date_rule() -> None:
    assert refusal("110101" + "19900229" + "0011") == "id_number.birth_date"


def test_february_29_in_a_leap_year_is_accepted() -> None:
    parsed = parse_id_number(make_id_number("110101", date(2000, 2, 29), 11), today=TODAY)
    assert parsed.birth_date == date(2000, 2, 29)


def test_a_birth_date_after_today_is_refused_and_today_itself_accepted() -> None:
    assert refusal(make_id_number("110101", TODAY + timedelta(days=1), 1)) == (
        "id_number.birth_date"
    )
    assert parse_id_number(make_id_number("110101", TODAY, 1), today=TODAY).birth_date == TODAY


def test_a_birth_date_before_1900_is_refused() -> None:
    assert refusal(make_id_number("110101", date(1899, 12, 31), 1)) == "id_number.birth_date"


@pytest.mark.parametrize("month_day", ["1300", "0000", "0132", "0431"])
def test_impossible_dates_are_refused(month_day: str) -> None:
    first17 = f"1101011990{month_day}001"
    assert refusal(first17 + check_character(first17)) == "id_number.birth_date"


@pytest.mark.parametrize(
    ("code", "kind"),
    [("810000", "hk_permit"), ("820000", "mo_permit"), ("830000", "tw_permit")],
)
def test_residence_permits_for_hong_kong_macao_and_taiwan_are_accepted_and_typed(
    code: str, kind: str
) -> None:
    parsed = parse_id_number(make_id_number(code, date(1988, 8, 8), 35), today=TODAY)
    assert parsed.kind == kind
    assert parsed.address_code == code


def test_a_15_digit_number_cannot_be_a_residence_permit() -> None:
    assert refusal("810000880808035") == "id_number.address_code"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "id_number.empty"),
        (" \u3000- ", "id_number.empty"),
        ("11010119900307123", "id_number.length"),
        ("1101011990030712345", "id_number.length"),
        ("11010119900307X234", "id_number.characters"),
        ("11010119900307123A", "id_number.characters"),
        ("11010190030712X", "id_number.characters"),
        ("١١٠١٠١١٩٩٠٠٣٠٧١٢٣٤", "id_number.characters"),
    ],
)
def test_malformed_input_is_refused_with_the_rule_it_breaks(raw: str, code: str) -> None:
    assert refusal(raw) == code


def test_today_defaults_to_the_real_date() -> None:
    assert parse_id_number(make_id_number("110101", date(1990, 3, 7), 1)).kind == "resident"


def test_the_parsed_number_does_not_show_the_number_in_its_repr() -> None:
    value = make_id_number("110101", date(1990, 3, 7), 1)
    assert value not in repr(parse_id_number(value, today=TODAY))


@pytest.mark.parametrize("sequence", [-1, 1000])
def test_make_id_number_refuses_a_sequence_outside_0_to_999(sequence: int) -> None:
    with pytest.raises(IdNumberError):
        make_id_number("110101", date(1990, 3, 7), sequence)


def test_make_id_number_refuses_an_address_code_that_is_not_six_digits() -> None:
    with pytest.raises(IdNumberError):
        make_id_number("11010", date(1990, 3, 7), 1)
