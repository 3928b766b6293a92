from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.identity import id_number_hash, keyed_hash

KEY = b"test-hash-key-0123456789abcdef0123"
OTHER_KEY = b"another-key-0123456789abcdef01234"
VALUE = "11010519491231002X"


def test_the_same_input_gives_the_same_hash() -> None:
    assert id_number_hash(VALUE, KEY) == id_number_hash(VALUE, KEY)


def test_different_keys_give_different_hashes() -> None:
    assert id_number_hash(VALUE, KEY) != id_number_hash(VALUE, OTHER_KEY)


def test_the_purpose_separates_hashes_of_the_same_value() -> None:
    assert keyed_hash(VALUE, KEY, purpose="certificate-number") != keyed_hash(
        VALUE, KEY, purpose="id-number-2"
    )


def test_the_id_number_hash_is_the_keyed_hash_for_the_id_number_purpose() -> None:
    assert id_number_hash(VALUE, KEY) == keyed_hash(VALUE, KEY, purpose="id-number")
    assert id_number_hash(VALUE, KEY) != keyed_hash(VALUE, KEY, purpose="certificate-number")


def test_the_hash_is_64_lower_case_hex_characters_and_stays_stable() -> None:
    # Stored lookup keys depend on this exact scheme: changing it orphans every record.
    assert id_number_hash(VALUE, KEY) == (
        "d18c9ba6046362c57774e7c769694339bb5b8a85b50e3694d806f38817145422"
    )


@given(st.text(max_size=30), st.text(max_size=30))
def test_different_values_give_different_hashes(a: str, b: str) -> None:
    if a != b:
        assert keyed_hash(a, KEY, purpose="p") != keyed_hash(b, KEY, purpose="p")


@pytest.mark.parametrize("value", ["11010519491231002x", "110105 19491231002X", "110105491231002"])
def test_a_number_that_is_not_canonical_is_not_hashed(value: str) -> None:
    with pytest.raises(ValueError, match="canonical"):
        id_number_hash(value, KEY)


def test_a_short_key_or_an_empty_purpose_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        keyed_hash(VALUE, b"short", purpose="p")
    with pytest.raises(ValueError, match="purpose"):
        keyed_hash(VALUE, KEY, purpose="")
