"""Dates as departments write them: 2023-05-06, 2023/5/6, 2023年5月6日, 2023.05.06,
20230506, Excel serial numbers, or the date objects a spreadsheet reader hands back. Pure."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Final

from certbridge.errors import InputError

# Excel's day 0 is 1899-12-30 (it counts the non-existent 1900-02-29).
_EXCEL_EPOCH: Final = date(1899, 12, 30)
_EXCEL_MAX_SERIAL: Final = 2_958_465  # 9999-12-31
_SEPARATED: Final = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL: Final = re.compile(r"(\d{1,7})(?:\.0+)?")
_TIME_SUFFIX: Final = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
FORMS_ZH: Final = "2023-05-06、2023/5/6、2023年5月6日、2023.05.06 或 Excel 日期序号"


def _refuse(value: object, problem: str) -> InputError:
    return InputError("date.format", f"日期“{value}”{problem}，可填写：{FORMS_ZH}", field="date")


def from_excel_serial(serial: float) -> date:
    if not 1 <= serial <= _EXCEL_MAX_SERIAL:
        raise _refuse(serial, "超出 Excel 日期序号范围")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_date(value: object) -> date:
    """The calendar date `value` names, or InputError date.format / date.invalid."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_excel_serial(value)
    text = _TIME_SUFFIX.sub("", str(value).strip())
    for pattern in (_SEPARATED, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            return _checked(value, *(int(g) for g in match.groups()))
    if _SERIAL.fullmatch(text):
        return from_excel_serial(float(text))
    raise _refuse(value, "无法识别")


def _checked(value: object, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InputError(
            "date.invalid", f"日期“{value}”不存在（{year}年{month}月{day}日）", field="date"
        ) from None
