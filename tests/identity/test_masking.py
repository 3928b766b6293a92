from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from certbridge.catalog import generate_number, load_catalog
from certbridge.identity import (
    county_codes,
    make_id_number,
    mask_embedded_id_number,
    mask_id_number,
    mask_text_id_numbers,
)
from certbridge.registry.service import display_number, display_number_today

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


def test_a_t_number_split_anywhere_and_numbers_in_groups_of_four_are_masked() -> None:
    """Issue 10.4: both shapes reached the logs in clear."""
    assert mask_text_id_numbers("T3505811991-12304153") == "T3505**********4153"
    assert (
        mask_text_id_numbers("证件 3505 8119 9112 3041 53 已核验")
        == "证件 3505**********4153 已核验"
    )
    assert mask_text_id_numbers("3505\u30008119\uff0d91123041-53") == "3505**********4153"


def test_residence_and_travel_permit_numbers_of_hong_kong_macao_and_taiwan_are_masked() -> None:
    assert mask_text_id_numbers("居住证 810000199408230021") == "居住证 8100**********0021"
    assert mask_text_id_numbers("回乡证 H12345678，M1234567890") == "回乡证 H1*****78，M1*******90"


def test_an_id_number_followed_by_other_numbers_is_still_masked() -> None:
    assert mask_text_id_numbers("350581199112304153 200 1.2ms") == "3505**********4153 200 1.2ms"


embedding_schemes = [s.code for s in load_catalog().schemes.values() if s.number_embeds_id_number]


@given(numbers, st.sampled_from(embedding_schemes), st.randoms(use_true_random=False))
def test_an_id_number_inside_a_certificate_number_is_masked_as_the_id_itself(
    id_number: str, scheme: str, rng: random.Random
) -> None:
    """Issue 10.12: 特种设备 numbers showed 34082*********1094 beside 3408**********1094."""
    number = generate_number(scheme, rng, id_number=id_number)
    shown = display_number(scheme, number)
    assert mask_id_number(id_number) in shown
    assert id_number[4:14] not in shown
    assert len(shown) == len(number)


def test_an_embedding_number_without_an_id_number_shape_is_masked_whole() -> None:
    assert mask_embedded_id_number("T12345") == "T****5"


def test_displays_of_earlier_releases_compare_in_todays_mask() -> None:
    assert display_number_today("34082*********1094") == "3408**********1094"
    assert display_number_today("T3408**********1094") == "T3408**********1094"
    assert display_number_today("闽A122017000002") == "闽A122017000002"
