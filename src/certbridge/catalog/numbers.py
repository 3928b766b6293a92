"""Certificate number formats: normalise, validate (and parse), generate.

Positions in messages are 1-based and inclusive, as printed in the coding rules.
Formats are chosen by `Scheme.number_format`, so a new scheme can reuse a format.
"""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from certbridge.catalog.loader import Catalog, load_catalog
from certbridge.catalog.model import Scheme
from certbridge.errors import InputError
from certbridge.identity import make_id_number, parse_id_number


@dataclass(frozen=True)
class NumberInfo:
    """What a valid certificate number says. `number` is the canonical form."""

    scheme: str
    province_code: str | None
    year: int | None
    level: int | None
    category_code: str | None
    institution_code: str | None
    institution_type: str | None
    embedded_id_number: str | None
    number: str


def normalize_number(number: str) -> str:
    """Full-width -> half-width (NFKC), no whitespace, upper case."""
    folded = unicodedata.normalize("NFKC", number)
    return "".join(folded.split()).upper()


def validate_number(scheme_code: str, number: str) -> NumberInfo:
    """Check `number` against the format of the scheme; raise InputError naming the rule."""
    scheme = load_catalog().scheme(scheme_code)
    normalized = normalize_number(number)
    if not normalized:
        raise _error(scheme, "number.empty", "不能为空")
    validator, _ = _FORMATS[scheme.number_format]
    return validator(scheme, normalized)


def generate_number(scheme_code: str, rng: random.Random, **fields: object) -> str:
    """A number of the scheme built from `fields` (random where absent); always valid."""
    scheme = load_catalog().scheme(scheme_code)
    _, generator = _FORMATS[scheme.number_format]
    given = _Fields(rng, fields)
    number = generator(load_catalog(), scheme, given)
    given.check_all_used()
    return validate_number(scheme_code, number).number


# ---------------------------------------------------------------- shared rules


def _error(scheme: Scheme, code: str, message: str) -> InputError:
    return InputError(code, f"{scheme.name_zh}编号{message}", field="number")


def _check_length(scheme: Scheme, number: str, length: int, shape: str) -> None:
    if len(number) != length:
        raise _error(scheme, "number.length", f"应为{length}位（{shape}），实际为{len(number)}位")


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _digits(scheme: Scheme, number: str, start: int, end: int, what: str) -> str:
    """Positions start..end (1-based, inclusive) must be ASCII digits."""
    segment = number[start - 1 : end]
    if not _is_digits(segment):
        where = f"第{start}位" if start == end else f"第{start}-{end}位"
        raise _error(scheme, "number.format", f"{where}（{what}）应为数字，实际为“{segment}”")
    return segment


def _province(scheme: Scheme, code: str, where: str) -> str:
    if code not in load_catalog().provinces:
        raise _error(
            scheme, "number.province", f"{where}应为省级行政区划代码（GB/T 2260），“{code}”不是"
        )
    return code


def _level(scheme: Scheme, digit: str, where: str) -> int:
    if digit not in "12345" or len(digit) != 1:
        raise _error(
            scheme,
            "number.level",
            f"{where}为等级代码，应为1-5（5为五级/初级工，1为一级/高级技师），实际为“{digit}”",
        )
    return int(digit)


def _embedded_id(scheme: Scheme, raw: str, where: str) -> str:
    try:
        return parse_id_number(raw).value
    except InputError as exc:
        raise _error(
            scheme, "number.id_number", f"{where}应为持证人公民身份号码：{exc.message}"
        ) from exc


# ---------------------------------------------------------------- validators


def _skill_level_22(scheme: Scheme, n: str) -> NumberInfo:
    _check_length(scheme, n, 22, "1位字母加21位数字")
    if n[0] not in ("Y", "S"):
        raise _error(
            scheme,
            "number.institution_type",
            f"第1位应为Y（用人单位）或S（社会培训评价组织），实际为“{n[0]}”",
        )
    institution = _digits(scheme, n, 2, 5, "评价机构代码")
    province = _province(scheme, _digits(scheme, n, 6, 7, "省份代码"), "第6-7位")
    _digits(scheme, n, 8, 13, "评价点序号")
    year = 2000 + int(_digits(scheme, n, 14, 15, "发证年份"))
    level = _level(scheme, _digits(scheme, n, 16, 16, "等级"), "第16位")
    _digits(scheme, n, 17, 22, "证书序号")
    return NumberInfo(scheme.code, province, year, level, None, institution, n[0], None, n)


def _qualification_16(scheme: Scheme, n: str) -> NumberInfo:
    if len(n) == 13 and _is_digits(n):
        n = "000" + n  # Shanghai 13-digit numbers are padded with "000" in front
    _check_length(scheme, n, 16, "16位数字，上海13位编号前补000")
    _digits(scheme, n, 1, 16, "证书编号")
    if n.startswith("000"):
        return NumberInfo(scheme.code, "31", None, None, None, None, None, None, n)
    yy = int(n[0:2])
    kind = n[6]
    if kind not in "01234":
        raise _error(
            scheme,
            "number.institution_type",
            f"第7位为鉴定机构类型，应为0-4（0指导中心、1国家鉴定所、2地方鉴定站、"
            f"3行业特有工种站、4工考委/企业），实际为“{kind}”",
        )
    level = _level(scheme, n[10], "第11位")
    province = n[2:4] if n[2:4] in load_catalog().provinces else None
    year = 1900 + yy if yy >= 90 else 2000 + yy
    return NumberInfo(scheme.code, province, year, level, None, n[7:10], kind, None, n)


def _special_operation_t_id(scheme: Scheme, n: str) -> NumberInfo:
    _check_length(scheme, n, 19, "T加18位公民身份号码")
    if n[0] != "T":
        raise _error(scheme, "number.prefix", f"第1位应为字母T，实际为“{n[0]}”")
    embedded = _embedded_id(scheme, n[1:], "第2-19位")
    return NumberInfo(scheme.code, None, None, None, None, None, None, embedded, n)


def _id_number_18(scheme: Scheme, n: str) -> NumberInfo:
    _check_length(scheme, n, 18, "持证人18位公民身份号码")
    embedded = _embedded_id(scheme, n, "")
    return NumberInfo(scheme.code, None, None, None, None, None, None, embedded, n)


def _construction_14(scheme: Scheme, n: str) -> NumberInfo:
    catalog = load_catalog()
    _check_length(scheme, n, 14, "省份简称、地市字母、2位类别、4位年份、6位序号")
    province = catalog.province_by_abbreviation(n[0])
    if province is None:
        raise _error(scheme, "number.province", f"第1位应为省份简称（如晋、京），实际为“{n[0]}”")
    if n[1] not in string.ascii_uppercase:
        raise _error(scheme, "number.city", f"第2位应为地市字母代码A-Z，实际为“{n[1]}”")
    category = _digits(scheme, n, 3, 4, "工种类别")
    known = {t.category_code for t in catalog.types_of_scheme(scheme.code)}
    if category not in known:
        codes = "、".join(sorted(c for c in known if c))
        raise _error(scheme, "number.category", f"第3-4位工种类别“{category}”不存在，可选：{codes}")
    year = int(_digits(scheme, n, 5, 8, "发证年份"))
    if not 2008 <= year <= 2099:
        raise _error(scheme, "number.year", f"第5-8位发证年份应不早于2008年，实际为{year}")
    _digits(scheme, n, 9, 14, "证书序号")
    return NumberInfo(scheme.code, province.code, year, None, category, None, None, None, n)


# ---------------------------------------------------------------- generators


class _Fields:
    """Generator inputs: given values first, random defaults otherwise."""

    def __init__(self, rng: random.Random, fields: dict[str, object]) -> None:
        self.rng, self.fields, self.used = rng, fields, set[str]()

    def text(self, name: str, default: Callable[[random.Random], object], width: int = 0) -> str:
        self.used.add(name)
        value = self.fields.get(name)
        if value is None:
            value = default(self.rng)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:0{width}d}"
        return str(value)

    def number(self, name: str, default: Callable[[random.Random], int]) -> int:
        text = self.text(name, default)
        if not text.lstrip("-").isdigit():
            raise TypeError(f"field {name!r} must be an integer, got {text!r}")
        return int(text)

    def check_all_used(self) -> None:
        unknown = set(self.fields) - self.used
        if unknown:
            raise TypeError(f"unexpected fields for this number format: {sorted(unknown)}")


def _random_province(catalog: Catalog) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(sorted(catalog.provinces))


def _serial(width: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.randint(1, 10**width - 1)


def _gen_skill_level_22(catalog: Catalog, scheme: Scheme, f: _Fields) -> str:
    return "".join(
        (
            f.text("institution_type", lambda rng: rng.choice("YS")),
            f.text("institution_code", _serial(4), 4),
            f.text("province_code", _random_province(catalog)),
            f.text("site_code", _serial(6), 6),
            f"{f.number('year', lambda rng: rng.randint(2020, 2030)) % 100:02d}",
            f.text("level", lambda rng: rng.randint(1, 5)),
            f.text("serial", _serial(6), 6),
        )
    )


def _gen_qualification_16(catalog: Catalog, scheme: Scheme, f: _Fields) -> str:
    return "".join(
        (
            f"{f.number('year', lambda rng: rng.randint(1994, 2020)) % 100:02d}",
            f.text("province_code", _random_province(catalog)),
            f.text("city_code", _serial(2), 2),
            f.text("institution_type", lambda rng: rng.choice("01234")),
            f.text("institution_code", _serial(3), 3),
            f.text("level", lambda rng: rng.randint(1, 5)),
            f.text("serial", _serial(5), 5),
        )
    )


def _random_id_number(rng: random.Random) -> str:
    birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
    address = rng.choice(["110101", "140105", "310104", "440106", "510107"])
    return make_id_number(address, birth, rng.randint(1, 999))


def _gen_special_operation_t_id(catalog: Catalog, scheme: Scheme, f: _Fields) -> str:
    return "T" + normalize_number(f.text("id_number", _random_id_number))


def _gen_id_number_18(catalog: Catalog, scheme: Scheme, f: _Fields) -> str:
    return normalize_number(f.text("id_number", _random_id_number))


def _gen_construction_14(catalog: Catalog, scheme: Scheme, f: _Fields) -> str:
    province = catalog.provinces.get(f.text("province_code", _random_province(catalog)))
    categories = sorted(
        t.category_code for t in catalog.types_of_scheme(scheme.code) if t.category_code
    )
    return "".join(
        (
            province.abbreviation if province else "?",
            f.text("city_letter", lambda rng: rng.choice(string.ascii_uppercase)),
            f.text("category_code", lambda rng: rng.choice(categories), 2),
            f.text("year", lambda rng: rng.randint(2008, 2030), 4),
            f.text("serial", _serial(6), 6),
        )
    )


_Validator = Callable[[Scheme, str], NumberInfo]
_Generator = Callable[[Catalog, Scheme, _Fields], str]
_FORMATS: dict[str, tuple[_Validator, _Generator]] = {
    "skill_level_22": (_skill_level_22, _gen_skill_level_22),
    "qualification_16": (_qualification_16, _gen_qualification_16),
    "special_operation_t_id": (_special_operation_t_id, _gen_special_operation_t_id),
    "id_number_18": (_id_number_18, _gen_id_number_18),
    "construction_14": (_construction_14, _gen_construction_14),
}
