"""Rows that cannot be true are refused with the rule named (issue dates, levels), and the
regulations' status words keep their meaning in every profile."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.catalog import add_years, generate_number, load_catalog
from certbridge.exchange.profile import load_profile
from certbridge.exchange.rules import (
    CertificateRow,
    Issuer,
    StatusRow,
    validate_certificate_row,
    validate_status_row,
)
from certbridge.exchange.service import ImportRequest, import_file
from certbridge.identity import make_id_number
from certbridge.registry.models import Certificate, CertificateEvent
from certbridge.registry.service import Keys

TODAY = date(2026, 1, 16)
BIRTH = date(1985, 4, 3)
ID_NUMBER = make_id_number("140105", BIRTH, 21)


def _special(**overrides: str) -> dict[str, str]:
    row = {
        "姓名": "王建国",
        "证件号码": ID_NUMBER,
        "证书编号": "T" + ID_NUMBER,
        "证书类型": "低压电工作业",
        "职业技能等级": "",
        "发证机关": "山西省应急管理厅",
        "发证日期": "2022-03-01",
        "有效期至": "",
        "状态": "",
    }
    return row | overrides


def _skill(issued: date, level: str = "四级/中级工", number_level: int = 4) -> dict[str, str]:
    number = generate_number(
        "skill_level", random.Random(1), level=number_level, year=issued.year, province_code="14"
    )
    return _special(
        证书编号=number,
        证书类型="电工",
        职业技能等级=level,
        发证机关="",
        发证日期=issued.isoformat(),
    )


def _codes(row: dict[str, str]) -> set[str]:
    profile = load_profile("standard")
    fields = {c.field: c.label for c in profile.columns}
    result = validate_certificate_row(profile, row, fields, Issuer(None, "14"), TODAY)
    return set() if isinstance(result, CertificateRow) else {e.code for e in result}


@pytest.mark.parametrize(
    ("issued", "code"),
    [
        ("0001-01-01", "date.before_scheme"),
        ("1900-01-01", "date.before_scheme"),
        ("1984-12-31", "date.before_scheme"),
        ("1985-04-02", "date.before_birth"),
        ("2003-04-02", "date.under_age"),  # the day before his 18th birthday
    ],
)
def test_an_issue_date_that_cannot_be_true_is_refused_with_its_rule(issued: str, code: str) -> None:
    assert code in _codes(_special(发证日期=issued))


def test_the_day_a_holder_comes_of_age_is_a_plausible_issue_date() -> None:
    assert _codes(_special(发证日期="2003-04-03", 有效期至="2009-04-03")) == set()


def test_no_skill_level_certificate_before_the_scheme_existed() -> None:
    since = load_catalog().scheme("skill_level").issue_rules.since_year
    assert since == 2019
    assert "date.before_scheme" in _codes(_skill(date(since - 1, 12, 31)))
    assert _codes(_skill(date(since, 1, 1))) == set()


@pytest.mark.parametrize("level", ["-1", "－1", " -1 ", "+1"])
def test_a_signed_level_is_refused_not_read_as_level_one(level: str) -> None:
    assert "certificate.level_range" in _codes(_skill(date(2023, 5, 6), level, 1))


@given(st.dates(min_value=date(1, 1, 1), max_value=TODAY))
def test_every_issue_date_before_the_holders_working_age_is_refused(issued: date) -> None:
    codes = _codes(_special(发证日期=issued.isoformat(), 有效期至=""))
    if issued < add_years(BIRTH, 18) or issued.year < 1985:
        assert codes & {"date.before_scheme", "date.before_birth", "date.under_age"}
    else:
        assert codes == set()


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("暂扣", "suspended"),
        ("暂停", "suspended"),
        ("吊销", "revoked"),
        ("撤销", "revoked"),
        ("注销", "cancelled"),
        ("有效", "active"),
    ],
)
def test_each_status_word_means_what_the_regulations_say_in_every_profile(
    text: str, state: str
) -> None:
    profile = load_profile("standard")
    fields = {c.field: c.label for c in profile.columns}
    result = validate_certificate_row(
        profile, _special(状态=text), fields, Issuer(None, "14"), TODAY
    )
    assert isinstance(result, CertificateRow)
    assert result.state == state
    assert result.state_word == ("" if state == "active" else text)
    listing = load_profile("status_list")
    row = {
        "证书编号": "T" + ID_NUMBER,
        "姓名": "王建国",
        "处理类型": text,
        "生效日期": "2025-01-01",
    }
    if state != "active":
        status = validate_status_row(
            listing, row, {c.field: c.label for c in listing.columns}, TODAY
        )
        assert isinstance(status, StatusRow)
        assert (status.action, status.word) == (state, text)


def _request(profile: str = "standard", department: str | None = None) -> ImportRequest:
    return ImportRequest(
        profile=load_profile(profile), issuer=Issuer(department, "14"), actor="test", today=TODAY
    )


def test_an_imported_word_is_kept_with_its_event_and_shown(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [files.special_operation_row(i) for i in range(3)]
    rows[0][8], rows[1][8], rows[2][8] = "吊销", "注销", "暂扣"
    report = import_file(session, files.csv(rows), _request(), keys)
    assert report.accepted == 3
    words = {
        (kind, word)
        for kind, word in session.execute(
            select(CertificateEvent.kind, CertificateEvent.word).where(
                CertificateEvent.kind != "issued"
            )
        )
    }
    assert words == {("revoked", "吊销"), ("cancelled", "注销"), ("suspended", "暂扣")}
    assert set(session.scalars(select(Certificate.state))) == {"revoked", "cancelled", "suspended"}
