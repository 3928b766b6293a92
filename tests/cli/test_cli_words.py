"""What the command line prints and explains is Chinese; codes stay in the --json outputs.
Tables fit an 80-column terminal without breaking a certificate number."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from certbridge.auth.scopes import ROLES
from certbridge.cli.main import app
from certbridge.config import get_settings
from certbridge.query.cli import certificate_table
from certbridge.query.schemas import (
    CertificateView,
    HolderView,
    IssuerView,
    LevelView,
    NamedCode,
    StatusView,
)

# The commands whose words this project owns here (recognition and credential commands
# are checked by their own domains' tests).
OWN_COMMANDS = [
    "query",
    "demo-data",
    "serve",
    "import",
    "import-report",
    "export",
    "db upgrade",
    "db settle",
    "db check",
    "token create",
    "token list",
    "token revoke",
]
# Names a person types as they are (option values, formats, department codes).
TYPED_AS_IS = {"mohrss", "mem", "mohurd", "samr", "csv", "jsonl", "json", "xlsx", "utf", "gbk"}
TYPED_AS_IS |= set(ROLES) | {"certbridge"}
_TECHNICAL = re.compile(r"\S*[_:\-./*<>{}0-9]\S*|\b[A-Z]{2,}\w*")


def _english_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z]{3,}", _TECHNICAL.sub(" ", text))
    return [w for w in words if w.lower() not in TYPED_AS_IS]


def _command(path: str) -> Any:
    """Typer's command objects (its own vendored Click), found by their command names."""
    command: Any = typer.main.get_command(app)
    for part in path.split():
        command = command.commands[part]
    return command


@pytest.mark.parametrize("path", OWN_COMMANDS)
def test_every_help_text_of_a_command_is_chinese(path: str) -> None:
    command = _command(path)
    texts = [command.help or ""] + [getattr(p, "help", "") or "" for p in command.params]
    for text in texts:
        if text:
            assert re.search(r"[\u4e00-\u9fff]", text), f"{path}: {text!r}"
            assert _english_words(text) == [], f"{path}: {text!r}"


def test_the_command_groups_are_described_in_chinese() -> None:
    root: Any = typer.main.get_command(app)
    for name in ("db", "token", "exchange", "credential", "certificate", "recognition", "policy"):
        help_text = root.commands[name].help or ""
        assert _english_words(help_text) == [], f"{name}: {help_text!r}"
    assert _english_words(root.help or "") == []


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_db_check_and_upgrade_answer_in_chinese(cli_env: CliRunner) -> None:
    checked = cli_env.invoke(app, ["db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "数据模型与迁移脚本一致" in checked.output
    upgraded = cli_env.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "数据库已是最新版本" in upgraded.output
    assert _english_words(checked.output + upgraded.output) == []


def test_demo_data_on_a_database_that_has_holders_says_so_in_chinese(
    cli_env: CliRunner,
) -> None:
    arguments = ["demo-data", "--people", "3", "--seed", "5", "--anchor", "2026-11-29"]
    first = cli_env.invoke(app, [*arguments, "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "已生成 3 名持证人" in first.output
    again = cli_env.invoke(app, [*arguments, "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "演示数据库已有数据" in again.output
    assert "already" not in again.output


def test_a_refusal_prints_the_rule_in_chinese_without_the_code(cli_env: CliRunner) -> None:
    refused = cli_env.invoke(app, ["token", "create", "--role", "department", "--scope", "*"])
    assert refused.exit_code == 2
    assert "授权范围" in refused.output
    assert "token." not in refused.output
    assert "auth." not in refused.output


def test_serve_on_a_port_already_taken_refuses_in_chinese(cli_env: CliRunner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        refused = cli_env.invoke(app, ["serve", "--port", str(port)])
    assert refused.exit_code == 2
    assert f"127.0.0.1:{port} 已被占用" in refused.output
    assert "Errno" not in refused.output


def _certificate(number: str, type_name: str, scheme: str, until: date | None) -> CertificateView:
    return CertificateView(
        number=number,
        scheme=NamedCode(code="s", name=scheme),
        type=NamedCode(code="t", name=type_name),
        occupation=None,
        level=LevelView(number=4, name="四级/中级工"),
        category=None,
        issuer=IssuerView(
            kind="authority",
            name="内蒙古自治区人力资源和社会保障厅",
            department=NamedCode(code="mohrss", name="人社"),
            province=NamedCode(code="15", name="内蒙古自治区"),
        ),
        institution=None,
        issued_on=date(2018, 2, 23),
        valid_until=until,
        status=StatusView(
            code="review_due",
            label="待复审",
            reason="应于2027-06-25前复审，逾期未复审的证书失效",
            counts=True,
        ),
    )


def test_the_certificate_table_fits_80_columns_without_breaking_a_number() -> None:
    numbers = ["Y001335000001184000002", "T1501**********171X", "蒙A122017000002"]
    certificates = [
        _certificate(numbers[0], "电梯安装维修工", "职业技能等级证书", None),
        _certificate(numbers[1], "熔化焊接与热切割作业", "特种作业操作证", date(2030, 6, 30)),
        _certificate(
            numbers[2],
            "建筑起重机械安装拆卸工（塔式起重机）",
            "建筑施工特种作业操作资格证书",
            date(2027, 6, 25),
        ),
    ]
    console = Console(width=80, record=True, color_system=None)
    console.print(
        certificate_table(
            HolderView(name="吕宏强", id_number_masked="1501**********171X"),
            date(2026, 11, 29),
            certificates,
        )
    )
    lines = console.export_text().splitlines()
    assert max(console.measure(line).maximum for line in lines) <= 80
    for number in numbers:
        assert any(number in line for line in lines), number
    assert any("2030-06-30" in line for line in lines)


def test_an_import_names_a_rejected_row_in_chinese_without_its_code(
    cli_env: CliRunner, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "姓名,证件号码,证书编号,证书类型,职业技能等级,发证机关,发证日期,有效期至,状态\n"
        "钱多多,110105194912310021,T110105194912310021,低压电工作业,,,2024-05-20,,有效\n",
        "utf-8",
    )
    done = cli_env.invoke(
        app,
        ["import", "--profile", "standard", "--department", "mem", "--province", "11", str(rows)],
    )
    assert "第2行" in done.output
    assert "校验码" in done.output
    assert "id_number." not in done.output
