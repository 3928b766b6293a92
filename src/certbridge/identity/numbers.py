"""Citizen ID numbers (GB 11643-1999) and 港澳台居民居住证 numbers: normalise, check, parse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

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
