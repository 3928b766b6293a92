"""The recognition command line speaks Chinese to people and fits an 80-column terminal;
codes stay in its JSON (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.cells import cell_len
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge.cli.main import app as cli_app
from certbridge.config import get_settings
from certbridge.recognition import cli as recognition_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "recognition-case.json"
# Codes a person must not be shown: rule kinds, exemption codes, jurisdictions, occupation
# and type codes, summary keys.
CODES = re.compile(
    r"exemption|deemed|eligible|national|safety_training|theory_exam|one_exam"
    r"|\d-\d\d-\d\d-\d\d|special_operation|construction:|skill_level|not_met|\bmet\b"
)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    monkeypatch.setattr(recognition_cli.console, "width", 80)  # an 80-column terminal
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def assert_fits_80_columns(text: str) -> None:
    for line in text.splitlines():
        assert cell_len(line.rstrip()) <= 80, line


def test_the_readme_example_case_is_answered_in_chinese_within_80_columns(
    cli: CliRunner,
) -> None:
    result = cli.invoke(cli_app, ["recognize", "--input", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "免于安全作业培训（安全技术培训）：报考建筑焊工，凭熔化焊接与热切割作业" in out
    assert "焊工五级/初级工：凭熔化焊接与热切割作业视同" in out
    assert "焊工四级/中级工：符合申报条件" in out
    assert "按选择的报考省份（福建省）" in out
    assert not CODES.search(out), CODES.search(out)
    assert_fits_80_columns(out)


def test_the_json_of_the_example_case_keeps_the_codes(cli: CliRunner, client: TestClient) -> None:
    result = cli.invoke(cli_app, ["recognize", "--input", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert (
        json.loads(result.stdout) == client.post("/api/v1/recognition/evaluate", json=body).json()
    )


def test_a_level_of_minus_one_in_a_case_file_is_refused_naming_the_field(
    cli: CliRunner, tmp_path: Path
) -> None:
    case = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    case["certificates"].append({"type": "焊工", "level": -1, "issued": "2020-01-01"})
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    result = cli.invoke(cli_app, ["recognize", "--input", str(path)])
    assert result.exit_code == 2
    assert "第3张证书的等级“-1”无效" in result.stderr


def test_a_case_file_that_cannot_be_read_is_named_in_chinese(
    cli: CliRunner, tmp_path: Path
) -> None:
    missing = cli.invoke(cli_app, ["recognize", "--input", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "找不到文件" in missing.stderr
    assert "Errno" not in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"certificates": [', encoding="utf-8")
    result = cli.invoke(cli_app, ["recognize", "--input", str(broken)])
    assert "第1行" in result.stderr
    assert "不是有效的JSON" in result.stderr
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"certificates": [{"type": "焊工", "levle": 4}]}', encoding="utf-8")
    result = cli.invoke(cli_app, ["recognize", "--input", str(unknown)])
    assert "certificates[0].issued：缺少必填字段" in result.stderr
    assert "Field required" not in result.stderr


def test_a_registered_holder_may_choose_the_exam_province_on_the_command_line(
    cli: CliRunner, registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("李建国")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2024, 5, 10))
    registry.certificate(person, id_number, "焊工", level=4, issued=date(2023, 6, 1))
    session.commit()
    args = ["recognize", "--name", "李建国", "--id-number", id_number, "--province", "35"]
    result = cli.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "按选择的报考省份（福建省）" in result.stdout
    assert "焊工四级/中级工：持有本职业证书" in result.stdout
    assert "已持有焊工四级/中级工证书，以此为准" in result.stdout
    assert id_number not in result.stdout
    assert_fits_80_columns(result.stdout)


def test_the_batch_summary_names_its_conclusions_in_chinese(
    cli: CliRunner, registry, session: Session, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("王建军")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2024, 5, 10))
    registry.certificate(person, id_number, "低压电工作业", issued=date(2024, 5, 10))
    session.commit()
    out = tmp_path / "plan.jsonl"
    result = cli.invoke(
        cli_app, ["recognize-batch", "--scheme", "special_operation", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "视同焊工五级/初级工" in result.stdout
    assert "报考建筑焊工：免于理论考试" in result.stdout
    assert "可申报电工四级/中级工：符合条件" in result.stdout
    summary = json.loads((tmp_path / "plan.jsonl.summary.json").read_text(encoding="utf-8"))
    assert "deemed 6-18-02-04 5" in summary["counts"]  # codes stay in the JSON
    tables = result.stdout[result.stdout.index("汇总") :]
    assert not CODES.search(tables), CODES.search(tables)
    assert_fits_80_columns(result.stdout)


@pytest.mark.parametrize("province", [[], ["--province", "44"]])
def test_policy_show_is_in_chinese_within_80_columns(cli: CliRunner, province: list[str]) -> None:
    result = cli.invoke(cli_app, ["policy", "show", "--as-of", "2026-11-29", *province])
    assert result.exit_code == 0, result.output
    assert "全国" in result.stdout
    for words in ("视同等级", "申报条件", "免考", "五级/初级工"):
        assert words in result.stdout
    assert not CODES.search(result.stdout), CODES.search(result.stdout)
    assert_fits_80_columns(result.stdout)


def test_the_batch_may_apply_one_exam_province_to_every_holder(
    cli: CliRunner, registry, session: Session, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("王建军")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2024, 5, 10))
    session.commit()
    out = tmp_path / "plan.jsonl"
    args = ["recognize-batch", "--scheme", "all", "--province", "35", "--output", str(out)]
    result = cli.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "适用规定：按报考省份（福建省）" in result.stdout
    (line,) = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()]
    assert line["province"] == "35"
    summary = json.loads((tmp_path / "plan.jsonl.summary.json").read_text(encoding="utf-8"))
    assert summary["province"] == "35"
    refused = cli.invoke(cli_app, [*args[:3], "--province", "99", "--output", str(out)])
    assert refused.exit_code == 2
    assert "省级代码“99”无效" in refused.stderr
