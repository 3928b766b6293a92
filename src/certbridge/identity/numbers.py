"""Citizen ID numbers (GB 11643-1999) and 港澳台居民居住证 numbers: normalise, check, parse.

Also the other documents a holder may be registered under (外国人永久居留身份证, 护照),
chosen by an ID type: `parse_identity`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

import pycountry

from certbridge import clock
from certbridge.errors import InputError
from certbridge.identity.regions import is_county_level, is_known_address_code

Kind = Literal["resident", "hk_permit", "mo_permit", "tw_permit"]

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS: Final = "10X98765432"
_EARLIEST_BIRTH: Final = date(1900, 1, 1)
_PERMIT_KINDS: Final[dict[str, Kind]] = {
    "810000": "hk_permit",
    "820000": "mo_permit",
    "830000": "tw_permit",
}
_TRANSLATION: Final = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width digits
        "x": "X",
        "ｘ": "X",
        "Ｘ": "X",
    }
)
# Whitespace (U+3000 included), hyphens and dashes, and the invisible characters of copy-paste.
_SEPARATORS: Final = re.compile("[\\s\\-\u2010-\u2015\uff0d\u200b-\u200d\u2060\ufeff]+")
_EIGHTEEN: Final = re.compile(r"\d{17}[\dX]", re.ASCII)
_FIFTEEN: Final = re.compile(r"\d{15}", re.ASCII)


class IdNumberError(InputError):
    def __init__(self, code: str, message: str, *, field: str | None = "id_number") -> None:
        super().__init__(code, message, field=field)


def _refuse(rule: str, message: str) -> IdNumberError:
    return IdNumberError(f"id_number.{rule}", message)


@dataclass(frozen=True)
class IdNumber:
    value: str = field(repr=False)  # kept out of repr so that a logged object shows no number
    kind: Kind
    address_code: str
    birth_date: date
    sex: Literal["M", "F"]
    converted_from_15: bool


def normalize_id_number(raw: str) -> str:
    """Full-width digits and x to ASCII, lower-case x up, spaces and hyphens out. No checks."""
    return _SEPARATORS.sub("", raw.translate(_TRANSLATION))


def check_character(first17: str) -> str:
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise _refuse("characters", "计算校验码需要17位数字")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def make_id_number(address_code: str, birth_date: date, sequence: int) -> str:
    """A well-formed 18-character number, for synthetic data. Checks format, not the code."""
    if not (len(address_code) == 6 and address_code.isascii() and address_code.isdigit()):
        raise _refuse("address_code", f"地址码应为6位数字，实际为“{address_code}”")
    if not 0 <= sequence <= 999:
        raise _refuse("sequence", f"顺序码应在0至999之间，实际为{sequence}")
    first17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Canonical form and fields of a citizen ID or residence permit number.

    Raises IdNumberError whose code names the first rule the number breaks.
    """
    value, converted = _canonical_eighteen(normalize_id_number(raw))
    kind = address_kind(value[:6], legacy=converted)
    birth_date = _birth_date(value[6:14], today or clock.today())
    if not converted and check_character(value[:17]) != value[17]:
        raise _refuse("checksum", "校验码不符，请核对号码是否输入有误")
    return IdNumber(
        value=value,
        kind=kind,
        address_code=value[:6],
        birth_date=birth_date,
        sex="M" if int(value[16]) % 2 == 1 else "F",
        converted_from_15=converted,
    )


def _canonical_eighteen(number: str) -> tuple[str, bool]:
    """(18-character form, whether it was converted from the legacy 15-digit form)."""
    if not number:
        raise _refuse("empty", "请填写证件号码")
    if len(number) not in (15, 18):
        raise _refuse("length", f"证件号码应为18位（旧证15位），实际为{len(number)}位")
    if len(number) == 18 and not _EIGHTEEN.fullmatch(number):
        raise _refuse("characters", "证件号码前17位应为数字，最后一位应为数字或X")
    if len(number) == 15:
        if not _FIFTEEN.fullmatch(number):
            raise _refuse("characters", "15位旧证件号码应全部为数字")
        # Every 15-digit number was issued to people born in the 1900s.
        first17 = f"{number[:6]}19{number[6:]}"
        return first17 + check_character(first17), True
    return number, False


def address_kind(code: str, *, legacy: bool = False) -> Kind:
    """The one place that decides which address codes a number may carry, and its kind."""
    if code in _PERMIT_KINDS and not legacy:
        return _PERMIT_KINDS[code]
    if not is_known_address_code(code):
        raise _refuse("address_code", f"地址码{code}不是有效的行政区划代码")
    if not is_county_level(code):
        raise _refuse(
            "address_code",
            f"地址码{code}是省级或地市级行政区划代码，居民身份证号码的地址码应为县级代码",
        )
    return "resident"


def _birth_date(digits: str, today: date) -> date:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise _refuse("birth_date", f"出生日期{digits}不是有效的日期") from None
    if born < _EARLIEST_BIRTH:
        raise _refuse("birth_date", f"出生日期{digits}早于1900年1月1日")
    if born > today:
        raise _refuse("birth_date", f"出生日期{digits}晚于今天")
    return born


# ---------------------------------------------------------------- ID types (证件类型)

IdType = Literal["resident", "hmt_permit", "foreign_permanent", "passport"]
ID_TYPES: Final[dict[str, str]] = {
    "resident": "居民身份证",
    "hmt_permit": "港澳台居民居住证",
    "foreign_permanent": "外国人永久居留身份证",
    "passport": "护照",
}
# The document kind stored on a person (persons.id_kind) and the ID type it belongs to.
KIND_ID_TYPES: Final[dict[str, IdType]] = {
    "resident": "resident",
    "hk_permit": "hmt_permit",
    "mo_permit": "hmt_permit",
    "tw_permit": "hmt_permit",
    "fpr": "foreign_permanent",
    "passport": "passport",
}
# Kinds whose numbers are GB 11643 numbers, with the sex digit at the 17th character.
_SEX_DIGIT_KINDS: Final = frozenset({"resident", "hk_permit", "mo_permit", "tw_permit"})
# 外国人永久居留身份证, 2023 edition: GB 11643's shape and check, first digit 9 (never an
# address code). 2017 edition (and the 2004 card): 3 Latin letters (nationality) + 12 digits.
_FOREIGN_PERMANENT_2023: Final = re.compile(r"9\d{16}[\dX]", re.ASCII)
_FOREIGN_PERMANENT_2017: Final = re.compile(r"[A-Z]{3}\d{12}", re.ASCII)
# Passport numbers (UNCONFIRMED shape: ICAO Doc 9303's document-number field holds 9
# characters and longer numbers overflow into optional data; national shapes vary).
_PASSPORT_NUMBER: Final = re.compile(r"[A-Z0-9]{5,17}", re.ASCII)
_DOCUMENT_SEPARATORS: Final = re.compile("[\\s\\-\u2010-\u2015\uff0d\u200b-\u200d\u2060\ufeff:/]+")


@dataclass(frozen=True)
class Identity:
    """A holder's identity document: its canonical number and kind (as persons.id_kind)."""

    value: str = field(repr=False)  # kept out of repr, as IdNumber's
    kind: str
    sex: Literal["M", "F"] | None

    @property
    def id_type(self) -> IdType:
        return KIND_ID_TYPES[self.kind]


def resolve_id_type(text: str) -> IdType:
    """An ID type from its code (resident …) or its Chinese name (居民身份证 …)."""
    cleaned = text.strip()
    for code, name in ID_TYPES.items():
        if cleaned in (code, name):
            return code  # type: ignore[return-value]
    choices = "、".join(f"{name}（{code}）" for code, name in ID_TYPES.items())
    raise InputError("id_type.unknown", f"证件类型应为：{choices}", field="id_type")


def parse_identity(raw: str, id_type: str | None = None, *, today: date | None = None) -> Identity:
    """The document a holder named, checked by the rules of its type.

    Without a type (None or blank), the number is a 居民身份证 or 港澳台居民居住证 number
    (told apart by its address code), as before ID types existed."""
    if id_type is None or not id_type.strip():
        return _from_id_number(parse_id_number(raw, today=today))
    chosen = resolve_id_type(id_type)
    if chosen == "resident":
        return _resident(raw, today)
    if chosen == "hmt_permit":
        return _residence_permit(raw, today)
    if chosen == "foreign_permanent":
        return _foreign_permanent(raw)
    return _passport(raw)


def _from_id_number(number: IdNumber) -> Identity:
    return Identity(number.value, number.kind, number.sex)


def _resident(raw: str, today: date | None) -> Identity:
    number = parse_id_number(raw, today=today)
    if number.kind != "resident":
        raise _refuse(
            "type_mismatch",
            "该号码是港澳台居民居住证号码，请将证件类型选为“港澳台居民居住证”",
        )
    return _from_id_number(number)


def _residence_permit(raw: str, today: date | None) -> Identity:
    if normalize_id_number(raw)[:2] not in ("81", "82", "83"):
        raise _refuse(
            "permit_prefix",
            "港澳台居民居住证号码应为18位，以81（香港）、82（澳门）或83（台湾）开头",
        )
    return _from_id_number(parse_id_number(raw, today=today))


def _normalize_document(raw: str) -> str:
    """Full-width to half-width, letters upper-cased, separators out."""
    return _DOCUMENT_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def _foreign_permanent(raw: str) -> Identity:
    """外国人永久居留身份证: the 2023 edition's 18 digits, or the 15 characters of earlier
    cards (UNCONFIRMED beyond the shape: secondary sources on the 2023 edition)."""
    number = _normalize_document(raw)
    if not number:
        raise _refuse("empty", "请填写证件号码")
    if len(number) == 18:
        if not _FOREIGN_PERMANENT_2023.fullmatch(number):
            raise _refuse(
                "foreign_permanent",
                "外国人永久居留身份证（2023年版）号码应为18位：以9开头的17位数字加1位校验码",
            )
        if check_character(number[:17]) != number[17]:
            raise _refuse("checksum", "校验码不符，请核对号码是否输入有误")
    elif len(number) == 15:
        if not _FOREIGN_PERMANENT_2017.fullmatch(number):
            raise _refuse(
                "foreign_permanent",
                "外国人永久居留身份证（2017年版）号码应为15位：3位英文字母（国籍代码）加12位数字",
            )
        _nationality(number[:3])
    else:
        raise _refuse(
            "length",
            f"外国人永久居留身份证号码应为18位（2023年版）或15位（2017年版），实际为{len(number)}位",
        )
    return Identity(number, "fpr", None)


def _passport(raw: str) -> Identity:
    """护照: the issuing country's ISO 3166-1 three-letter code, then the passport number
    (for example USA 123456789); the two together identify a passport."""
    text = _normalize_document(raw)
    if not text:
        raise _refuse("empty", "请填写证件号码")
    nationality, number = text[:3], text[3:]
    if not (len(nationality) == 3 and nationality.isascii() and nationality.isalpha()):
        raise _refuse(
            "passport_nationality",
            "护照请先填写3位英文国籍代码，再填写护照号码，例如：USA 123456789",
        )
    _nationality(nationality)
    if not _PASSPORT_NUMBER.fullmatch(number):
        raise _refuse("passport_number", "护照号码应为国籍代码后的5至17位英文字母或数字")
    return Identity(nationality + number, "passport", None)


def _nationality(code: str) -> None:
    if pycountry.countries.get(alpha_3=code) is None:
        raise _refuse(
            "nationality",
            f"国籍代码“{code}”不是ISO 3166-1三位字母国家或地区代码（如USA、GBR、KOR）",
        )


def sex_from_masked(kind: str, masked: str) -> Literal["M", "F"] | None:
    """The holder's sex from a stored masked number: the 17th character of a GB 11643
    number (odd = male), which the masked form keeps among its last four. None for
    documents that do not carry it (外国人永久居留身份证, 护照) or a form without it."""
    if kind not in _SEX_DIGIT_KINDS or len(masked) != 18 or not masked[16].isdigit():
        return None
    return "M" if int(masked[16]) % 2 == 1 else "F"
