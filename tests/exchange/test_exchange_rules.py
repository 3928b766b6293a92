"""Pure rules of the exchange: dates, 发证机关 text, validity, row validation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.catalog import load_catalog
from certbridge.errors import InputError
from certbridge.exchange.dates import parse_date
from certbridge.exchange.profile import all_profiles, load_profile
from certbridge.exchange.rules import (
    CertificateRow,
    Issuer,
    parse_issuer_text,
    validate_certificate_row,
    validity_problem,
)
from certbridge.identity import make_id_number

TODAY = date(2026, 1, 16)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_every_written_form_of_a_date_names_the_same_day(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        day.strftime("%Y%m%d"),
        str((day - date(1899, 12, 30)).days),
        (day - date(1899, 12, 30)).days,
        float((day - date(1899, 12, 30)).days),
        datetime(day.year, day.month, day.day, 0, 0),
        f"{day.isoformat()} 00:00:00",
    ]
    assert {parse_date(form) for form in forms} == {day}


@pytest.mark.parametrize(
    ("text", "code"),
    [("2023-02-30", "date.invalid"), ("明年", "date.format"), ("05/06/2023", "date.format")],
)
def test_a_date_that_is_not_one_is_refused_with_its_rule(text: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text)
    assert caught.value.code == code
    assert text in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("山西省应急管理厅", ("mem", "14")),
        ("北京市住房和城乡建设委员会", ("mohurd", "11")),
        ("广东省市场监督管理局", ("samr", "44")),
        ("新疆维吾尔自治区人力资源和社会保障厅", ("mohrss", "65")),
        ("某某职业技能培训学校", (None, None)),
    ],
)
def test_an_issuing_authority_names_its_department_and_province(
    text: str, expected: tuple[str | None, str | None]
) -> None:
    assert parse_issuer_text(text) == expected


def test_validity_follows_the_scheme_rule() -> None:
    catalog = load_catalog()
    special = catalog.scheme("special_operation")
    issued = date(2020, 3, 1)
    assert validity_problem(special, issued, date(2026, 3, 1)) is None
    assert validity_problem(special, issued, date(2026, 2, 29 - 1)) is None  # the day before
    assert validity_problem(special, issued, date(2032, 3, 1)) is None  # extended once
    assert validity_problem(special, issued, date(2025, 3, 1))[0] == "validity.inconsistent"  # type: ignore[index]
    assert validity_problem(special, issued, issued)[0] == "validity.before_issue"  # type: ignore[index]
    skill = catalog.scheme("skill_level")
    assert validity_problem(skill, issued, date(2030, 1, 1))[0] == "validity.unexpected"  # type: ignore[index]


def _row(**overrides: str) -> dict[str, str]:
    id_number = make_id_number("140105", date(1985, 4, 3), 21)
    row = {
        "姓名": "王建国",
        "证件号码": id_number,
        "证书编号": "T" + id_number,
        "证书类型": "低压电工作业",
        "职业技能等级": "",
        "发证机关": "山西省应急管理厅",
        "发证日期": "2022/3/1",
        "有效期至": "",
        "状态": "",
    }
    return row | overrides


def _validate(row: dict[str, str], issuer: Issuer = Issuer(None, None)):  # type: ignore[no-untyped-def]
    profile = load_profile("standard")
    fields = {c.field: c.label for c in profile.columns}
    return validate_certificate_row(profile, row, fields, issuer, TODAY)


def test_a_clean_row_becomes_a_certificate_row_with_the_issuer_from_the_authority_text() -> None:
    result = _validate(_row())
    assert isinstance(result, CertificateRow)
    assert (result.department, result.province_code, result.state) == ("mem", "14", "active")
    assert result.type.code == "special_operation:1.2"


def test_every_problem_of_a_row_is_reported_with_column_value_and_code() -> None:
    result = _validate(_row(姓名="王2", 证件号码="140105198504030210", 发证日期="2022-13-01"))
    assert isinstance(result, list)
    codes = {e.code: e for e in result}
    assert {"name.character", "id_number.checksum", "date.invalid"} <= set(codes)
    assert codes["id_number.checksum"].column == "证件号码"
    assert codes["id_number.checksum"].value == "140105198504030210"
    assert "证件号码" in codes["id_number.checksum"].message


def test_a_row_for_another_departments_scheme_is_refused_for_a_department_batch() -> None:
    result = _validate(_row(), Issuer("mohurd", "14"))
    assert isinstance(result, list)
    assert "issuer.scheme_scope" in {e.code for e in result}


def test_an_authority_of_another_province_than_the_batch_is_refused() -> None:
    result = _validate(_row(), Issuer("mem", "11"))
    assert isinstance(result, list)
    assert "issuer.province_mismatch" in {e.code for e in result}


def test_a_future_issue_date_and_an_unknown_status_are_refused() -> None:
    later = (TODAY + timedelta(days=3)).isoformat()
    result = _validate(_row(发证日期=later, 状态="作废中"))
    assert isinstance(result, list)
    assert {"date.future", "row.status"} <= {e.code for e in result}


def test_every_shipped_profile_loads_and_the_standard_one_has_exactly_the_nine_columns() -> None:
    assert {"standard", "mohrss_skill_level", "mem_special_operation"} <= set(all_profiles())
    assert {"mohurd_construction", "samr_special_equipment", "status_list"} <= set(all_profiles())
    labels = [c.label for c in load_profile("standard").columns]
    assert labels == [
        "姓名",
        "证件号码",
        "证书编号",
        "证书类型",
        "职业技能等级",
        "发证机关",
        "发证日期",
        "有效期至",
        "状态",
    ]
