"""ID types (证件类型): each document checked by its own rules, hashed apart, sex where known."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.errors import InputError
from certbridge.identity import (
    ID_TYPES,
    IdNumberError,
    check_character,
    county_codes,
    id_number_hash,
    identity_hash,
    keyed_hash,
    make_id_number,
    mask_id_number,
    parse_id_number,
    parse_identity,
    resolve_id_type,
    sex_from_masked,
)
from certbridge.identity.numbers import IdNumber

TODAY = date(2026, 11, 29)
KEY = b"test-hash-key-0123456789abcdef0123"

residents = st.builds(
    make_id_number,
    st.sampled_from(county_codes()),
    st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 1, 1)),
    st.integers(min_value=0, max_value=999),
)
permits = st.builds(
    make_id_number,
    st.sampled_from(["810000", "820000", "830000"]),
    st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 1, 1)),
    st.integers(min_value=0, max_value=999),
)


def foreign_permanent_2023(body: str) -> str:
    """A 2023 外国人永久居留身份证 number: 9, sixteen digits, the GB 11643 check."""
    first17 = "9" + body
    return first17 + check_character(first17)


def refusal(raw: str, id_type: str | None) -> IdNumberError:
    with pytest.raises(IdNumberError) as caught:
        parse_identity(raw, id_type, today=TODAY)
    assert caught.value.field == "id_number"
    assert caught.value.message
    return caught.value


def test_the_four_id_types_are_named_as_on_the_official_forms() -> None:
    assert ID_TYPES == {
        "resident": "居民身份证",
        "hmt_permit": "港澳台居民居住证",
        "foreign_permanent": "外国人永久居留身份证",
        "passport": "护照",
    }


@pytest.mark.parametrize("text", ["resident", "居民身份证", " 护照 ", "passport"])
def test_an_id_type_is_named_by_its_code_or_its_chinese_name(text: str) -> None:
    assert resolve_id_type(text) in ID_TYPES


def test_an_unknown_id_type_is_refused_with_the_choices() -> None:
    with pytest.raises(InputError) as caught:
        resolve_id_type("军官证")
    assert caught.value.code == "id_type.unknown"
    assert "外国人永久居留身份证" in caught.value.message


@given(residents, st.sampled_from([None, "", " "]))
def test_without_a_type_a_resident_number_is_read_as_before(value: str, blank: str | None) -> None:
    identity = parse_identity(value, blank, today=TODAY)
    parsed = parse_id_number(value, today=TODAY)
    assert (identity.value, identity.kind, identity.sex) == (parsed.value, "resident", parsed.sex)
    assert identity.id_type == "resident"


@given(permits)
def test_without_a_type_a_residence_permit_is_still_recognised(value: str) -> None:
    identity = parse_identity(value, today=TODAY)
    assert identity.kind in {"hk_permit", "mo_permit", "tw_permit"}
    assert identity.id_type == "hmt_permit"


@given(permits)
def test_a_residence_permit_given_as_a_resident_id_is_refused_with_the_type_to_choose(
    value: str,
) -> None:
    error = refusal(value, "resident")
    assert error.code == "id_number.type_mismatch"
    assert "港澳台居民居住证" in error.message
    assert parse_identity(value, "hmt_permit", today=TODAY).id_type == "hmt_permit"


@given(residents)
def test_a_resident_id_given_as_a_residence_permit_is_refused_with_the_prefixes(
    value: str,
) -> None:
    error = refusal(value, "hmt_permit")
    assert error.code == "id_number.permit_prefix"
    assert "81" in error.message
    assert "83" in error.message


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_a_2023_foreign_permanent_residence_number_is_checked_by_gb_11643(body: str) -> None:
    value = foreign_permanent_2023(body)
    identity = parse_identity(value.lower(), "foreign_permanent", today=TODAY)
    assert (identity.value, identity.kind, identity.sex) == (value, "fpr", None)
    wrong = "0" if value[-1] != "0" else "1"
    assert refusal(value[:-1] + wrong, "foreign_permanent").code == "id_number.checksum"


def test_an_18_digit_foreign_permanent_number_must_start_with_9() -> None:
    resident = make_id_number("110101", date(1990, 3, 7), 1)
    error = refusal(resident, "foreign_permanent")
    assert error.code == "id_number.foreign_permanent"
    assert "以9开头" in error.message


def test_a_2017_foreign_permanent_residence_number_is_three_letters_and_twelve_digits() -> None:
    identity = parse_identity("usa 310 880 101 234", "foreign_permanent", today=TODAY)
    assert (identity.value, identity.kind) == ("USA310880101234", "fpr")
    assert refusal("US3108801012345", "foreign_permanent").code == "id_number.foreign_permanent"
    assert refusal("QQQ310880101234", "foreign_permanent").code == "id_number.nationality"
    assert refusal("USA3108801012", "foreign_permanent").code == "id_number.length"


def test_a_passport_is_its_nationality_and_its_number() -> None:
    for raw in ("USA 123456789", "usa-123456789", "ＵＳＡ１２３４５６７８９", "USA:123456789"):
        identity = parse_identity(raw, "passport", today=TODAY)
        assert (identity.value, identity.kind, identity.sex) == ("USA123456789", "passport", None)
    assert parse_identity("CHN EA1234567", "护照", today=TODAY).value == "CHNEA1234567"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "id_number.empty"),
        ("123456789", "id_number.passport_nationality"),
        ("QQQ123456789", "id_number.nationality"),
        ("USA1234", "id_number.passport_number"),
        ("USA12345678901234567890", "id_number.passport_number"),
        ("USA12345#789", "id_number.passport_number"),
    ],
)
def test_a_malformed_passport_is_refused_with_its_rule(raw: str, code: str) -> None:
    assert refusal(raw, "passport").code == code


@given(residents)
def test_a_resident_keeps_the_id_number_hash_it_always_had(value: str) -> None:
    identity = parse_identity(value, "resident", today=TODAY)
    assert identity_hash(identity.kind, identity.value, KEY) == id_number_hash(value, KEY)


def test_a_passport_never_meets_the_hash_of_an_id_number_or_of_another_document() -> None:
    value = "USA123456789"
    passport = identity_hash("passport", value, KEY)
    assert passport != keyed_hash(value, KEY, purpose="id-number")
    assert passport != identity_hash("fpr", value, KEY)
    # Even digits shaped like an ID number stay apart once the document is a passport.
    digits = make_id_number("110101", date(1990, 3, 7), 1)
    assert identity_hash("passport", digits, KEY) != id_number_hash(digits, KEY)


@given(st.one_of(residents, permits))
def test_the_sex_is_read_back_from_the_stored_masked_number(value: str) -> None:
    parsed: IdNumber = parse_id_number(value, today=TODAY)
    assert sex_from_masked(parsed.kind, mask_id_number(value)) == parsed.sex


def test_documents_without_a_sex_digit_have_no_sex() -> None:
    body = "1" * 16
    assert sex_from_masked("fpr", mask_id_number(foreign_permanent_2023(body))) is None
    assert sex_from_masked("passport", mask_id_number("USA123456789")) is None
    assert sex_from_masked("resident", "") is None
