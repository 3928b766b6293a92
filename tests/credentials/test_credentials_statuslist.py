"""Bitstring Status List encoding: GZIP + base64url multibase, MSB-first, 131,072 minimum."""

from __future__ import annotations

import base64
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.credentials import statuslist
from certbridge.credentials.statuslist import StatusListError


def test_index_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    bits = statuslist.empty_list()
    statuslist.set_bit(bits, 0, True)
    assert bits[0] == 0b1000_0000
    statuslist.set_bit(bits, 9, True)
    assert bits[1] == 0b0100_0000
    statuslist.set_bit(bits, 0, False)
    assert bits[0] == 0


def test_the_encoding_is_u_prefixed_unpadded_base64url_of_gzip() -> None:
    bits = statuslist.empty_list()
    statuslist.set_bit(bits, 131_071, True)
    encoded = statuslist.encode(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert "+" not in encoded
    body = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(raw) * 8 == statuslist.MIN_ENTRIES == 131_072
    assert raw[-1] == 1


def test_an_empty_131072_entry_list_decodes_from_an_independently_made_encoding() -> None:
    made_elsewhere = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16384))).decode().rstrip(
        "="
    )
    assert statuslist.decode(made_elsewhere) == bytes(16384)


@given(st.sets(st.integers(0, statuslist.MIN_ENTRIES - 1), max_size=30))
def test_bits_survive_encoding_and_decoding(indexes: set[int]) -> None:
    bits = statuslist.empty_list()
    for index in indexes:
        statuslist.set_bit(bits, index, True)
    decoded = statuslist.decode(statuslist.encode(bits))
    assert {i for i in range(statuslist.MIN_ENTRIES) if statuslist.bit(decoded, i)} == indexes


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "zabc",
        "u!!!",
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100), mtime=0)).decode(),
    ],
)
def test_bad_or_short_lists_are_refused(encoded: str) -> None:
    with pytest.raises(StatusListError):
        statuslist.decode(encoded)


def test_a_gzip_bomb_is_refused_without_inflating_it_all() -> None:
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(64 * 1024 * 1024))).decode()
    with pytest.raises(StatusListError):
        statuslist.decode(bomb)


@pytest.mark.parametrize("index", ["-1", "1.5", "", "abc", 5, "99999999999999"])
def test_status_list_indexes_must_be_decimal_strings(index: object) -> None:
    with pytest.raises(StatusListError):
        statuslist.parse_index(index)


def test_lists_smaller_than_the_minimum_cannot_be_made() -> None:
    with pytest.raises(StatusListError):
        statuslist.empty_list(1024)
