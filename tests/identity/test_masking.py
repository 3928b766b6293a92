from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from certbridge.identity import county_codes, make_id_number, mask_id_number, mask_text_id_numbers

numbers = st.builds(
    make_id_number,
    st.sampled_from(county_codes()),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 1, 1)),
    st.integers(min_value=0, max_value=999),
)


def test_an_18_character_number_keeps_its_first_and_last_four() -> None:
    assert mask_id_number("110101199003071234") == "1101**********1234"


def test_a_15_digit_number_keeps_less_than_half() -> None:
    assert mask_id_number("110101900307123") == "110*********123"


def test_short_values_are_masked_entirely() -> None:
    assert mask_id_number("123") == "***"
    assert mask_id_number("") == ""


@given(numbers)
def test_masking_never_contains_the_middle_10_characters(value: str) -> None:
    masked = mask_id_number(value)
    assert masked == value[:4] + "*" * 10 + value[-4:]
    assert value[4:14] not in masked


@given(st.text(alphabet="0123456789X", max_size=40))
def test_at_least_half_of_any_value_is_masked(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked.count("*") * 2 >= len(value)
    assert not value or masked != value


@given(numbers, st.sampled_from(["", "身份证号：", "id=", "a "]), st.sampled_from(["", "。", ",x"]))
def test_numbers_in_free_text_are_masked(value: str, before: str, after: str) -> None:
    masked = mask_text_id_numbers(f"{before}{value}{after}")
    assert masked == f"{before}{mask_id_number(value)}{after}"


def test_15_digit_spaced_hyphenated_and_full_width_numbers_in_text_are_masked() -> None:
    text = "旧证110101900307123；新证110101-19900307-1234 或 11010119900307１２３x"
    masked = mask_text_id_numbers(text)
    assert masked == "旧证110*********123；新证1101**********1234 或 1101**********123X"


def test_longer_or_shorter_runs_of_digits_are_left_alone() -> None:
    text = "订单 12345678901234567890 与 1234567890123456 电话 13800138000"
    assert mask_text_id_numbers(text) == text
