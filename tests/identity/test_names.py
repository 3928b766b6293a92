from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.identity import PersonNameError, normalize_name, validate_name


def refusal(raw: str) -> PersonNameError:
    with pytest.raises(PersonNameError) as caught:
        validate_name(raw)
    assert caught.value.field == "name"
    return caught.value


def test_a_name_with_a_cjk_extension_b_character_is_accepted() -> None:
    assert validate_name("𠮷田") == "𠮷田"
    assert len("𠮷田") == 2  # counted in code points


@pytest.mark.parametrize("dot", ["•", "．", "・", "·"])
def test_interpunct_variants_normalise_to_the_middle_dot(dot: str) -> None:
    assert normalize_name(f"买买提{dot}艾力") == "买买提·艾力"
    assert validate_name(f"买买提{dot}艾力") == "买买提·艾力"


def test_whitespace_is_trimmed_and_collapsed_and_full_width_space_becomes_a_space() -> None:
    assert normalize_name("\u3000 Anna \u3000  Maria\t") == "Anna Maria"
    assert normalize_name("买买提 · 艾力") == "买买提·艾力"


def test_the_name_is_composed_to_nfc() -> None:
    assert validate_name("Zoe\u0308") == "Zo\u00eb"


@pytest.mark.parametrize(
    "name", ["O'Brien", "Jean-Luc", "J. R. Smith", "阿依古丽·买买提", "Zoë", "Дмитрий", "김민수"]
)
def test_names_in_any_script_with_allowed_punctuation_are_accepted(name: str) -> None:
    assert validate_name(name) == name


def test_a_name_with_sql_punctuation_is_refused_naming_the_position() -> None:
    error = refusal("Robert'); DROP TABLE")
    assert error.code == "name.character"
    assert "第8个字符" in error.message
    assert ")" in error.message


def test_a_name_of_51_characters_is_refused_and_50_accepted() -> None:
    assert refusal("张" * 51).code == "name.too_long"
    assert validate_name("张" * 50) == "张" * 50


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_an_empty_name_is_refused(raw: str) -> None:
    assert refusal(raw).code == "name.empty"


def test_digits_are_refused_including_full_width_ones() -> None:
    assert "数字" in refusal("张3").message
    assert "第2个字符" in refusal("李９").message


def test_control_and_invisible_characters_are_refused() -> None:
    assert "控制字符" in refusal("张\x00三").message
    assert "U+200B" in refusal("张\u200b三").message


def test_a_name_of_punctuation_only_is_refused() -> None:
    assert refusal("·").code == "name.no_letter"


letters = st.characters(categories=["Lu", "Ll", "Lo"])


@given(st.text(alphabet=letters, min_size=1, max_size=25))
def test_any_name_of_letters_is_accepted_as_its_nfc_form(name: str) -> None:
    assert validate_name(name) == unicodedata.normalize("NFC", name)


@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing(raw: str) -> None:
    once = normalize_name(raw)
    assert normalize_name(once) == once
