"""Imports on a real database (SQLite and PostgreSQL): outcomes, reconciliation, quarantine."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certbridge.credentials import service as credentials
from certbridge.credentials import statuslist
from certbridge.credentials.models import StatusEntry, StatusList
from certbridge.credentials.settings import get_credential_settings
from certbridge.errors import InputError
from certbridge.exchange import export as exporting
from certbridge.exchange.models import CertificateVersion, ImportRun, QuarantinedRow
from certbridge.exchange.profile import load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.service import ImportRequest, import_file
from certbridge.registry.hooks import on_state_change
from certbridge.registry.models import Certificate, CertificateEvent, Person
from certbridge.registry.service import Keys, find_certificates
from support import assert_every_certificate_is_settled_truly

TODAY = date(2026, 1, 16)


def _request(profile: str = "standard", department: str | None = None, province="14", **kw):  # type: ignore[no-untyped-def]
    return ImportRequest(
        profile=load_profile(profile),
        issuer=Issuer(department, province),
        actor="test",
        today=TODAY,
        **kw,
    )


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_dirty_file_reports_every_error_class_and_balances(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    good = [files.special_operation_row(i) for i in range(4)] + [files.skill_row(20)]
    name, id_number = files.person(30)
    bad = {
        "id_number.checksum": [
            *files.special_operation_row(31)[:1],
            "140105198001011234",
            *files.special_operation_row(31)[2:],
        ],
        "number.holder_mismatch": [
            name,
            id_number,
            "T" + files.person(32)[1],
            *files.special_operation_row(30)[3:],
        ],
        "date.format": [*files.special_operation_row(33)[:6], "明年三月", "", ""],
        "catalog.unknown_type": [
            *files.special_operation_row(34)[:3],
            "太空电工",
            *files.special_operation_row(34)[4:],
        ],
        "catalog.unknown_level": [*files.skill_row(35)[:4], "九级", *files.skill_row(35)[5:]],
        "certificate.level_mismatch": [*files.skill_row(36)[:4], "三级", *files.skill_row(36)[5:]],
        "validity.inconsistent": [*files.special_operation_row(37)[:7], "2023-01-01", ""],
        "row.missing": ["", *files.special_operation_row(38)[1:]],
        "row.status": [*files.special_operation_row(39)[:8], "作废中"],
        "person.name_conflict": ["李四", *files.special_operation_row(0)[1:]],
        "number.length": [*files.skill_row(40)[:2], "Y0001", *files.skill_row(40)[3:]],
        "row.column_count": [*files.special_operation_row(41), "多余"],
    }
    path = files.csv(good + list(bad.values()))

    report = import_file(session, path, _request(), keys)

    assert (report.rows_read, report.accepted, report.rejected) == (17, 5, 12)
    assert report.balanced
    assert report.unchanged == report.updated == 0
    by_row = {r.row: {e.code for e in r.errors} for r in report.rejected_rows}
    for offset, code in enumerate(bad):
        assert code in by_row[len(good) + 2 + offset], code
    assert _count(session, QuarantinedRow) == 12
    assert _count(session, Certificate) == 5
    # the conflicting name did not overwrite the registered one
    assert session.scalar(select(Person.name).order_by(Person.id).limit(1)) == "王建国"


def test_the_same_file_again_changes_nothing(session: Session, keys: Keys, files) -> None:  # type: ignore[no-untyped-def]
    path = files.csv([files.special_operation_row(i) for i in range(3)])
    first = import_file(session, path, _request(), keys)
    again = import_file(session, path, _request(), keys)
    copy = files.csv([files.special_operation_row(i) for i in range(3)] + [])
    resent = import_file(session, copy, _request(province=None), keys)
    assert first.accepted == 3
    assert again.already_imported
    assert again.run_id == first.run_id
    assert (resent.unchanged, resent.accepted, resent.updated) == (3, 0, 0)
    assert _count(session, Certificate) == 3
    assert _count(session, CertificateEvent) == 3


def test_changed_data_becomes_a_new_version_traceable_to_run_and_row(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    import_file(session, files.csv([files.special_operation_row(1)]), _request(), keys)
    changed = files.special_operation_row(1)
    changed[7] = "2034-03-01"  # extended once by 复审
    changed[8] = "暂停"
    report = import_file(
        session, files.csv([files.special_operation_row(2), changed]), _request(), keys
    )

    assert (report.accepted, report.updated) == (1, 1)
    version = session.scalars(select(CertificateVersion)).one()
    assert (version.run_id, version.row_number) == (report.run_id, 3)
    assert json.loads(version.previous)["valid_until"] == "2028-03-01"
    assert json.loads(version.current)["valid_until"] == "2034-03-01"
    certificate = find_certificates(session, changed[2], keys)[0]
    session.refresh(certificate)
    assert certificate.state == "suspended"
    kinds = [e.kind for e in certificate.events]
    assert kinds == ["issued", "corrected", "suspended"]
    assert all(f"run {report.run_id} row 3" in e.source for e in certificate.events[1:])
    assert_every_certificate_is_settled_truly(session)


def test_a_number_claimed_by_a_second_issuer_is_a_conflict_not_a_merge(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    row = files.skill_row(5)
    import_file(session, files.csv([row]), _request(), keys)
    other = list(row)
    other[5] = "北京市人力资源和社会保障厅"
    report = import_file(session, files.csv([other]), _request(province="11"), keys)
    codes = {e.code for r in report.rejected_rows for e in r.errors}
    # the number's province digits say 14: the Beijing claim is refused either way
    assert report.rejected == 1
    assert codes & {
        "certificate.issuer_conflict",
        "number.issuer_province",
    }
    assert _count(session, Certificate) == 1


def test_a_status_list_suspends_and_revokes_through_the_registry_rules(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [files.special_operation_row(i) for i in range(3)]
    import_file(session, files.csv(rows), _request(), keys)
    header = ["证书编号", "证书类型", "姓名", "处理类型", "生效日期", "原因"]
    listing = [
        [rows[0][2], "低压电工作业", rows[0][0], "暂停", "2025-06-01", "违章作业"],
        [rows[1][2], "", rows[1][0], "撤销", "2025-07-01", "以欺骗手段取得"],
        [rows[2][2], "", "别人", "注销", "2025-07-01", ""],
        ["T110101199001011237", "", "某人", "注销", "2025-07-01", ""],
    ]
    path = files.csv(listing, header=header)
    report = import_file(session, path, _request("status_list", "mem"), keys)
    again = import_file(
        session, files.csv(listing[:2], header=header), _request("status_list", "mem"), keys
    )

    assert (report.updated, report.rejected) == (2, 2)
    assert {e.code for r in report.rejected_rows for e in r.errors} == {
        "status.name_mismatch",
        "status.not_found",
    }
    assert again.unchanged == 2
    states = {c.state for c in session.scalars(select(Certificate))}
    assert states == {"suspended", "revoked", "active"}
    assert_every_certificate_is_settled_truly(session)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_chinese_encodings_are_detected(session: Session, keys: Keys, files, encoding: str) -> None:  # type: ignore[no-untyped-def]
    rows = [files.special_operation_row(i) for i in range(3)]
    rows[0][0] = "𠮷祥" if encoding == "gb18030" else rows[0][0]  # outside GBK
    report = import_file(session, files.csv(rows, encoding=encoding), _request(), keys)
    assert report.accepted == 3
    expected = {"gbk": "gb18030", "gb18030": "gb18030"}.get(encoding, encoding)
    assert report.encoding == expected
    assert session.scalar(select(Person.name).where(Person.name == rows[0][0])) == rows[0][0]


def test_an_xlsx_with_a_title_above_the_header_and_serial_dates_imports(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    sheet.title = "特种作业"
    book.create_sheet("说明")
    sheet.append(["山西省特种作业操作证数据（2026年1月）"])
    sheet.append([])
    sheet.append(
        ["姓名", "身份证号", "证书编号", "作业类别", "准操项目", "初领日期", "有效期至", "发证机关"]
    )
    for i in range(3):
        row = files.special_operation_row(i)
        sheet.append(
            [row[0], row[1], row[2], "电工作业", "低压电工作业", 44621, date(2028, 3, 1), row[5]]
        )
    path = files.path(".xlsx")
    book.save(path)
    report = import_file(session, path, _request("mem_special_operation", "mem"), keys)
    assert (report.accepted, report.rejected) == (3, 0)
    certificate = session.scalars(select(Certificate)).first()
    assert certificate is not None
    assert certificate.issued_on == date(2022, 3, 1)
    with pytest.raises(InputError) as caught:
        import_file(session, path, _request("mem_special_operation", "mem", sheet="说明"), keys)
    assert caught.value.code == "file.no_header"
    with pytest.raises(InputError) as caught:
        import_file(session, path, _request("mem_special_operation", "mem", sheet="无此表"), keys)
    assert caught.value.code == "file.sheet"


def test_a_jsonl_file_imports_and_keeps_invalid_lines_in_quarantine(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    path = files.path(".jsonl")
    rows = [dict(zip(files.header, files.special_operation_row(i), strict=True)) for i in range(2)]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + ["{not json"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(session, path, _request(), keys)
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejected_rows[0].errors[0].code == "row.json"


def _xlsx_truncated(files) -> Path:  # type: ignore[no-untyped-def]
    book = Workbook()
    book.active.append(files.header)
    whole = files.path(".xlsx")
    book.save(whole)
    cut = files.path(".xlsx")
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return cut


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda f: f.path(".csv"), "file.missing"),
        (lambda f: (f.path(".csv"), None)[0], "file.missing"),
        (lambda f: _write(f.path(".csv"), b""), "file.empty"),
        (lambda f: _write(f.path(".csv"), b"\x00\x01\x02binary\xff" * 100), "file.binary"),
        (
            lambda f: _write(f.path(".csv"), "姓名;证件号码;证书编号\n".encode()),
            "file.missing_columns",
        ),
        (
            lambda f: _write(f.path(".csv"), "姓名,证书编号\n张三,1\n".encode()),
            "file.missing_columns",
        ),
        (lambda f: f.csv([]), "file.no_rows"),
        (lambda f: _write(f.path(".csv"), b"caf\xe9 \xff\xfe,x\n"), "file.encoding"),
        (_xlsx_truncated, "file.xlsx_invalid"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_before_anything_is_written(
    session: Session, keys: Keys, files, make, code: str
) -> None:  # type: ignore[no-untyped-def]
    path = make(files)
    with pytest.raises(InputError) as caught:
        import_file(session, path, _request(), keys)
    assert caught.value.code == code
    session.rollback()
    assert _count(session, ImportRun) == 0


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_exported_records_come_back_in_the_profile_and_reimport_unchanged(
    session: Session, keys: Keys, files, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import_file(
        session, files.csv([files.special_operation_row(i) for i in range(3)]), _request(), keys
    )
    profile = load_profile("mem_special_operation")
    out = tmp_path / "export.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as stream:
        rows = exporting.export_rows(session, profile, scheme="special_operation", keys=keys)
        assert exporting.write_export(rows, profile, "csv", stream) == 3
    with out.open(encoding="utf-8-sig") as stream:
        exported = list(csv.DictReader(stream))
    assert exported[0]["身份证号"] == files.special_operation_row(0)[1]
    assert exported[0]["证书编号"] == "T" + exported[0]["身份证号"]
    report = import_file(session, out, _request("mem_special_operation", "mem"), keys)
    assert report.unchanged == 3
    assert report.balanced


def test_rejected_rows_can_be_fixed_and_imported_again(session: Session, keys: Keys, files) -> None:  # type: ignore[no-untyped-def]
    broken = files.special_operation_row(7)
    broken[6] = "2022年13月1日"
    report = import_file(
        session, files.csv([files.special_operation_row(6), broken]), _request(), keys
    )
    run = session.get(ImportRun, report.run_id)
    assert run is not None
    quarantined = session.scalars(select(QuarantinedRow)).one()
    raw = json.loads(quarantined.raw)
    assert raw["发证日期"] == "2022年13月1日"  # verbatim
    raw["发证日期"] = "2022年3月1日"
    fixed = import_file(
        session, files.csv([[raw[h] for h in json.loads(run.header)]]), _request(), keys
    )
    assert fixed.accepted == 1


def test_an_import_that_suspends_a_certificate_flips_its_credential_bit_at_once(
    session: Session, keys: Keys, files, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The credentials domain hears of the change after the import has written it."""
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(tmp_path / "keys"))
    get_credential_settings.cache_clear()
    on_state_change(credentials.sync_status_bits)
    row = files.special_operation_row(1)
    import_file(session, files.csv([row]), _request(), keys)
    certificate = find_certificates(session, row[2], keys)[0]
    credentials.issue_credential(session, credentials.issuance_from(settings, keys), certificate)
    session.commit()
    entry = session.scalars(select(StatusEntry)).one()
    row[8] = "暂停"
    import_file(session, files.csv([row]), _request(), keys)
    lists = {
        s.purpose: statuslist.bit(s.bits, entry.status_index)
        for s in session.scalars(select(StatusList))
    }
    assert lists == {"suspension": True, "revocation": False}
    get_credential_settings.cache_clear()
