"""Exports say what holds on the export date, as the query does, and import back unchanged."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from certbridge.catalog import load_catalog
from certbridge.exchange import export as exporting
from certbridge.exchange.profile import load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.service import ImportRequest, import_file
from certbridge.query import service as query
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys, record_event
from support import Registry

AS_OF = date(2026, 11, 29)


def _review(session: Session, certificate: Certificate, *days: date) -> None:
    for day in days:
        record_event(
            session, certificate, kind="reviewed", effective_on=day, actor="test", reason=""
        )


# Holders of one 特种作业 card each (低压电工作业), issued on these dates.
CARDS = {
    "吕宏强": date(2018, 6, 30),  # reviewed at 3 and 6 years: valid until 2030
    "许军婷": date(2018, 7, 10),  # reviewed at 3 years only: lapsed on 2024-07-10
    "梁远伟": date(2024, 1, 25),  # first review due 2027-01-25: inside the window
    "常轩": date(2022, 3, 1),  # suspended
    "汪林": date(2017, 3, 28),  # reviewed three times: valid until 2029
}


@pytest.fixture
def holders(registry: Registry, session: Session) -> list[tuple[str, str]]:
    """特种作业 cards in every state a department meets, 住建 and 特种设备 ones reviewed."""
    people = {name: registry.person(name) for name in CARDS}
    cards = {
        name: registry.certificate(person, id_number, "低压电工作业", issued=CARDS[name])[0]
        for name, (person, id_number) in people.items()
    }
    _review(session, cards["吕宏强"], date(2021, 6, 1), date(2024, 6, 4))
    _review(session, cards["许军婷"], date(2021, 6, 28))
    _review(session, cards["汪林"], date(2020, 3, 1), date(2023, 3, 10), date(2026, 3, 13))
    record_event(
        session,
        cards["常轩"],
        kind="suspended",
        effective_on=date(2025, 5, 1),
        actor="test",
        reason="违章作业",
    )
    person, id_number = people["吕宏强"]
    building, _ = registry.certificate(person, id_number, "建筑焊工", issued=date(2021, 6, 25))
    _review(session, building, date(2023, 6, 1), date(2025, 6, 7))
    forklift, _ = registry.certificate(person, id_number, "叉车司机", issued=date(2019, 5, 1))
    _review(session, forklift, date(2023, 4, 2))
    session.commit()
    return [(name, id_number) for name, (_, id_number) in people.items()]


def _export(session: Session, keys: Keys, scheme: str, profile: str) -> list[dict[str, str]]:
    out = io.StringIO()
    rows = exporting.export_rows(
        session, load_profile(profile), scheme=scheme, keys=keys, as_of=AS_OF
    )
    exporting.write_export(rows, load_profile(profile), "csv", out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_every_exported_row_carries_the_status_and_date_the_query_shows(
    session: Session, keys: Keys, holders: list[tuple[str, str]]
) -> None:
    exported = _export(session, keys, "special_operation", "mem_special_operation")
    assert len(exported) == 5
    for name, id_number in holders:
        answer = query.certificates_of_person(
            session, name=name, id_number=id_number, as_of=AS_OF, keys=keys
        )
        shown = next(c for c in answer.certificates if c.scheme.code == "special_operation")
        row = next(r for r in exported if r["身份证号"] == id_number)
        assert row["证书状态"] == shown.status.label, name
        assert shown.reviews is not None
        assert row["最近复审日期"] == str(shown.reviews.last_done_on or ""), name
        assert row["下次复审日期"] == str(shown.reviews.next_due_on or ""), name
        if shown.status.counts:
            assert row["有效期至"] == str(shown.valid_until), name
        assert row["导出日期"] == "2026-11-29"
    by_name = {r["姓名"]: r for r in exported}
    assert by_name["吕宏强"]["有效期至"] == "2030-06-30"
    assert by_name["吕宏强"]["最近复审日期"] == "2024-06-04"
    assert by_name["吕宏强"]["下次复审日期"] == "2027-06-30"
    assert by_name["许军婷"]["证书状态"] == "已失效"
    assert by_name["许军婷"]["下次复审日期"] == "2024-07-10"  # missed
    assert by_name["梁远伟"]["证书状态"].startswith("待")
    assert by_name["汪林"]["有效期至"] == "2029-03-28"
    # No row claims to be in force with a date in the past.
    for row in exported:
        if row["证书状态"] in ("有效", "待复审"):
            assert row["有效期至"] >= "2026-11-29"


def test_the_review_columns_take_the_schemes_own_word(
    session: Session, keys: Keys, holders: list[tuple[str, str]]
) -> None:
    (building,) = _export(session, keys, "construction", "mohurd_construction")
    assert building["最近延期复核日期"] == "2025-06-07"
    assert building["下次延期复核日期"] == "2027-06-25"
    assert building["有效期至"] == "2027-06-25"
    assert "最近复审日期" not in building
    (forklift,) = _export(session, keys, "special_equipment", "samr_special_equipment")
    assert forklift["最近复审日期"] == "2023-04-02"
    assert forklift["有效期至"] == "2027-05-01"
    skill_headers = exporting.export_headers(
        load_profile("mohrss_skill_level"), load_catalog().scheme("skill_level")
    )
    assert skill_headers[-1] == "导出日期"
    assert not any("复审" in h for h in skill_headers)


@pytest.mark.parametrize(
    ("scheme", "profile", "department"),
    [
        ("special_operation", "mem_special_operation", "mem"),
        ("construction", "mohurd_construction", "mohurd"),
        ("special_equipment", "samr_special_equipment", "samr"),
    ],
)
def test_an_export_imported_back_under_its_profile_changes_nothing(
    session: Session,
    keys: Keys,
    holders: list[tuple[str, str]],
    tmp_path: Path,
    scheme: str,
    profile: str,
    department: str,
) -> None:
    before = _export(session, keys, scheme, profile)
    path = tmp_path / f"{scheme}-14-2026-11-29.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        rows = exporting.export_rows(
            session, load_profile(profile), scheme=scheme, keys=keys, as_of=AS_OF
        )
        exporting.write_export(rows, load_profile(profile), "csv", out)
    request = ImportRequest(
        profile=load_profile(profile), issuer=Issuer(department, "14"), actor="test", today=AS_OF
    )
    report = import_file(session, path, request, keys)
    assert (report.accepted, report.updated, report.rejected) == (0, 0, 0)
    assert report.unchanged == len(before)
    assert "导出日期" in report.ignored_columns
    assert _export(session, keys, scheme, profile) == before


def test_jsonl_exports_carry_the_export_date_too(
    session: Session, keys: Keys, holders: list[tuple[str, str]]
) -> None:
    out = io.StringIO()
    profile = load_profile("mem_special_operation")
    rows = exporting.export_rows(
        session, profile, scheme="special_operation", keys=keys, as_of=AS_OF
    )
    assert exporting.write_export(rows, profile, "jsonl", out) == 5
    first = json.loads(out.getvalue().splitlines()[0])
    assert first["导出日期"] == "2026-11-29"
    assert list(first)[-3:] == ["最近复审日期", "下次复审日期", "导出日期"]
