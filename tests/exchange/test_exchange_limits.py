"""Limits on what an import reads: a hostile or broken file is rejected row by row (naming
the row) or stops the run with its reason; memory stays bounded; the run always ends and
can be taken up again; quarantine keeps long values cut; the original file is kept."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge.auth.service import create_token
from certbridge.cli.main import app
from certbridge.config import Settings
from certbridge.errors import InputError
from certbridge.exchange import archive
from certbridge.exchange.models import ImportRun, QuarantinedRow
from certbridge.exchange.profile import load_profile
from certbridge.exchange.readers import Limits
from certbridge.exchange.rejected import write_rejected_csv
from certbridge.exchange.rules import Issuer
from certbridge.exchange.service import ImportRequest, import_file
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys
from certbridge.web.app import create_app
from support import TEST_KEYS

TODAY = date(2026, 1, 16)


def _request(**kwargs: Any) -> ImportRequest:
    return ImportRequest(
        profile=load_profile("standard"),
        issuer=Issuer(None, "14"),
        actor="test",
        today=TODAY,
        **kwargs,
    )


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _quarantined(session: Session) -> dict[int, dict[str, Any]]:
    return {q.row_number: json.loads(q.raw) for q in session.scalars(select(QuarantinedRow))}


# ---------------------------------------------------------------- XLSX


def _workbook_with_one_huge_string(files, length: int) -> Path:  # type: ignore[no-untyped-def]
    """A few kilobytes on disk: a header, one row whose 证件号码 is a shared string of
    `length` characters, and one good row."""
    good = files.special_operation_row(1)
    row = [*good[:1], ("s", "0"), *good[2:]]
    return files.xlsx([files.header, row, files.special_operation_row(2)], shared=["1" * length])


def test_a_small_workbook_with_one_huge_shared_string_is_read_in_bounded_memory(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    path = _workbook_with_one_huge_string(files, 40_000_000)
    assert path.stat().st_size < 100_000

    tracemalloc.start()
    try:
        report = import_file(session, path, _request(), keys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 30_000_000  # the string alone is 40 MB; the reader keeps its start
    assert (report.status, report.accepted, report.rejected) == ("completed", 1, 1)
    problem = report.rejected_rows[0]
    assert problem.row == 2
    assert problem.errors[0].code == "row.field_too_long"
    assert problem.errors[0].column == "证件号码"
    assert "40000000" in problem.errors[0].message
    kept = _quarantined(session)[2]["证件号码"]
    assert len(kept) < 1_100
    assert "原长40000000字符" in kept
    assert len(report.model_dump_json()) < 20_000


def test_a_workbook_that_would_unpack_past_the_limit_is_refused_before_it_is_read(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    path = _workbook_with_one_huge_string(files, 2_000_000)
    with pytest.raises(InputError) as refused:
        import_file(session, path, _request(limits=Limits(xlsx_bytes=1_000_000)), keys)
    assert refused.value.code == "file.xlsx_too_large"
    assert _count(session, ImportRun) == 0


def test_a_workbook_that_breaks_mid_sheet_fails_the_run_at_that_row_and_keeps_what_came_before(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [files.header] + [files.special_operation_row(i) for i in range(3)]
    broken = files.special_operation_row(3)
    rows.append([broken[0], ("n", "9" * 5_000), *broken[2:]])  # too many digits to read
    rows.append(files.special_operation_row(4))
    path = files.xlsx(rows)

    report = import_file(session, path, _request(chunk_rows=2), keys)
    again = import_file(session, path, _request(chunk_rows=2), keys)

    assert report.status == "failed"
    assert report.failure is not None
    assert (report.failure.code, report.failure.row) == ("file.xlsx_invalid", 5)
    assert "第5行" in report.failure.message
    assert (report.rows_read, report.accepted) == (3, 3)
    assert "第5行" in report.summary
    assert (again.status, again.resumed, again.accepted) == ("failed", True, 3)
    assert _count(session, Certificate) == 3


def test_a_run_stopped_by_a_limit_resumes_where_it_stopped_when_the_limit_is_raised(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    path = files.xlsx([files.header] + [files.special_operation_row(i) for i in range(8)])
    stopped = import_file(session, path, _request(chunk_rows=3, limits=Limits(cells=45)), keys)
    resumed = import_file(session, path, _request(chunk_rows=3), keys)

    assert (stopped.status, stopped.failure.code if stopped.failure else None) == (
        "failed", "file.too_many_cells",
    )  # fmt: skip
    assert 0 < stopped.rows_read < 8
    assert (resumed.status, resumed.resumed, resumed.accepted, resumed.balanced) == (
        "completed", True, 8, True,
    )  # fmt: skip
    assert resumed.failure is None
    assert _count(session, ImportRun) == 1


# ---------------------------------------------------------------- JSON Lines and CSV


def test_json_numbers_and_nesting_past_the_limits_are_rejected_rows_and_the_run_completes(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [dict(zip(files.header, files.special_operation_row(i), strict=True)) for i in range(2)]
    lines = [
        json.dumps(rows[0], ensure_ascii=False),
        '{"姓名": ' + "9" * 5_000 + "}",
        "[" * 20_000 + "]" * 20_000,
        json.dumps(rows[1], ensure_ascii=False),
    ]
    path = files.path(".jsonl")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_file(session, path, _request(), keys)

    assert (report.status, report.accepted, report.rejected, report.balanced) == (
        "completed", 2, 2, True,
    )  # fmt: skip
    codes = {r.row: r.errors[0].code for r in report.rejected_rows}
    assert codes == {2: "row.json_number", 3: "row.json_depth"}


def test_an_oversized_csv_line_after_thousands_of_good_rows_is_one_rejected_row(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    good = [files.special_operation_row(i) for i in range(4_500)]
    huge = files.special_operation_row(4_500)
    huge[3] = "低压电工作业" + "x" * (2 << 20)  # a 2 MiB field
    after = [files.special_operation_row(i) for i in range(4_501, 4_511)]
    path = files.csv([*good, huge, *after])

    report = import_file(session, path, _request(), keys)
    again = import_file(session, path, _request(), keys)

    assert (report.status, report.accepted, report.rejected, report.balanced) == (
        "completed", 4_510, 1, True,
    )  # fmt: skip
    rejected = report.rejected_rows[0]
    assert (rejected.row, rejected.errors[0].code) == (4_502, "row.too_long")
    assert again.already_imported
    kept = _quarantined(session)[4_502]["原始内容"]
    assert len(kept) < 1_100
    assert "已截断" in kept


def test_a_cell_past_the_limit_is_named_and_kept_cut_and_the_original_file_is_kept(
    session: Session, keys: Keys, files, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    row = files.special_operation_row(1)
    row[5] = "山西省应急管理厅" + "厅" * 10_000
    path = files.csv([row, files.special_operation_row(2)])
    store = tmp_path / "originals"

    report = import_file(session, path, _request(file_store=store), keys)

    error = report.rejected_rows[0].errors[0]
    assert (error.code, error.column) == ("row.field_too_long", "发证机关")
    assert error.value is not None
    assert "原长10008字符" in error.value
    assert len(_quarantined(session)[2]["发证机关"]) < 1_100
    rejected = io.StringIO()
    header = json.loads(session.scalars(select(ImportRun)).one().header)
    write_rejected_csv(rejected, header, [(2, _quarantined(session)[2], error.message)])
    assert "原长10008字符" in rejected.getvalue()
    assert len(rejected.getvalue()) < 2_000  # the report file shows the cut value too
    kept = store / report.sha256
    assert path.read_bytes()[:50] not in kept.read_bytes()  # sealed, not in clear
    restored = io.BytesIO()
    archive.restore(store, report.sha256, TEST_KEYS.seal_key, restored)
    assert restored.getvalue() == path.read_bytes()


# ---------------------------------------------------------------- CSV structure


def test_a_duplicated_header_is_refused_naming_it(session: Session, keys: Keys, files) -> None:  # type: ignore[no-untyped-def]
    header = ["姓名", *files.header[1:], "姓名"]
    row = [*files.special_operation_row(1), "李四"]
    with pytest.raises(InputError) as refused:
        import_file(session, files.csv([row], header=header), _request(), keys)
    assert refused.value.code == "file.duplicate_header"
    assert "表头（第1行）“姓名”" in refused.value.message
    assert _count(session, ImportRun) == 0


def test_an_unterminated_quote_is_reported_at_its_line_and_the_rows_after_it_are_read(
    session: Session, keys: Keys, files
) -> None:  # type: ignore[no-untyped-def]
    lines = [",".join(files.header)]
    for i in range(5):
        row = files.special_operation_row(i)
        if i == 1:
            row[0] = '"' + row[0]  # the quote opens and never closes on its line
        lines.append(",".join(row))
    lines.append(",".join(files.special_operation_row(5)[:-1]) + ',"有效"')  # a later quote
    path = files.path(".csv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_file(session, path, _request(), keys)

    assert (report.accepted, report.rejected) == (5, 1)
    rejected = report.rejected_rows[0]
    assert (rejected.row, rejected.errors[0].code) == (3, "row.unterminated_quote")
    assert "第3行" in rejected.errors[0].message


# ---------------------------------------------------------------- the batch endpoint


def _multipart(boundary: str, content: bytes) -> list[bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="profile"\r\n\r\nstandard\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return [head, *(content[i : i + 4096] for i in range(0, len(content), 4096)),
            f"\r\n--{boundary}--\r\n".encode()]  # fmt: skip


@pytest.fixture
def small_uploads(settings: Settings) -> Any:
    limited = settings.model_copy(update={"max_upload_bytes": 2_000})
    application = create_app(limited)
    with TestClient(application) as client:
        yield client
    application.state.engine.dispose()


def test_an_upload_past_the_limit_is_refused_with_413_while_it_arrives(
    small_uploads: TestClient, session: Session, files
) -> None:  # type: ignore[no-untyped-def]
    _, secret = create_token(session, role="department", scope="mem:14")
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    path = files.csv([files.special_operation_row(i) for i in range(200)])
    with path.open("rb") as stream:
        declared = small_uploads.post(
            "/api/v1/exchange/batches",
            headers=headers,
            data={"profile": "standard"},
            files={"file": (path.name, stream, "text/csv")},
        )
    chunked = small_uploads.post(  # no Content-Length: counted as it arrives
        "/api/v1/exchange/batches",
        headers=headers | {"Content-Type": "multipart/form-data; boundary=b0undary"},
        content=iter(_multipart("b0undary", path.read_bytes())),
    )

    for response in (declared, chunked):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "upload.too_large"
    assert _count(session, ImportRun) == 0


# ---------------------------------------------------------------- files for people


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Any:
    from certbridge.config import get_settings

    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_rejected_rows_file_neutralises_formulas_and_reads_back_as_it_was_sent(
    cli: CliRunner, files, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    hostile = files.skill_row(1)
    hostile[0] = '=HYPERLINK("http://example.invalid","点击")'
    hostile[2] = "@SUM(1)"
    dashes = files.skill_row(2)
    dashes[6], dashes[7] = "2023-02-30", "--"  # a bad date; "--" is 长期 (no expiry)
    source = files.csv([hostile, dashes])
    imported = cli.invoke(app, ["import", "--profile", "standard", "--province", "14", str(source)])
    out, original = tmp_path / "rejected.csv", tmp_path / "original.csv"
    cli.invoke(app, ["import-report", "1", "--rejected-csv", str(out), "--original", str(original)])
    assert original.read_bytes() == source.read_bytes()  # the file as it was sent

    with out.open(encoding="utf-8-sig", newline="") as stream:
        cells = [cell for row in csv.reader(stream) for cell in row]
    raw = out.read_text(encoding="utf-8-sig")
    assert imported.exit_code == 1  # nothing went in
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert "'=HYPERLINK(" in raw
    assert "'@SUM(1)" in raw
    assert "'--" in raw
    assert raw.splitlines()[1].startswith('"')  # every cell quoted

    with out.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    fixed = [row[:-2] for row in rows]  # drop 原行号 and 错误原因, fix the date
    fixed[2][6] = "2023-02-28"
    again = files.path(".csv")
    with again.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(fixed)
    result = cli.invoke(
        app, ["import", "--profile", "standard", "--province", "14", "--json", str(again)]
    )
    report = json.loads(result.stdout)[0]
    assert report["accepted"] == 1  # the "--" read back as sent
    assert report["rejected_rows"][0]["raw"]["姓名"].startswith("=HYPERLINK(")


def test_an_import_where_every_row_is_rejected_exits_non_zero_with_a_chinese_summary(
    cli: CliRunner, client: TestClient, session: Session, files
) -> None:  # type: ignore[no-untyped-def]
    rows = [files.special_operation_row(i) for i in range(3)]
    for row in rows:
        row[6] = "明年"
    path = files.csv(rows)

    result = cli.invoke(app, ["import", "--profile", "standard", "--province", "14", str(path)])

    assert result.exit_code == 1
    assert "全部3行均被拒收" in result.stdout
    _, secret = create_token(session, role="department", scope="mem:14")
    session.commit()
    with path.open("rb") as stream:
        answer = client.post(
            "/api/v1/exchange/batches",
            headers={"Authorization": f"Bearer {secret}"},
            data={"profile": "standard"},
            files={"file": ("again.csv", stream, "text/csv")},
        )
    assert answer.status_code == 200
    assert "全部3行均被拒收" in answer.json()["summary"]
