"""`certbridge credential …`, `keys rotate` and `certificate revoke|suspend|reinstate`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge import clock
from certbridge.config import get_settings
from certbridge.credentials import service
from certbridge.credentials.cli import app, certificate_app, keys_app
from certbridge.credentials.settings import get_credential_settings


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(tmp_path / "keys"))
    get_settings.cache_clear()
    get_credential_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    get_credential_settings.cache_clear()


@pytest.fixture
def number(registry, session: Session) -> str:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("孙悦")
    _, found = registry.certificate(person, id_number, "焊工", level=3, issued=date(2021, 3, 1))
    session.commit()
    return str(found)


def test_issue_bundle_verify_offline_then_revoke_from_the_command_line(
    runner: CliRunner, number: str, tmp_path: Path
) -> None:
    issued = runner.invoke(app, ["issue", number, "--out", str(tmp_path / "c.json")])
    assert issued.exit_code == 0, issued.output
    online = runner.invoke(app, ["verify", str(tmp_path / "c.json")])
    assert online.exit_code == 0
    assert "核验通过" in online.output
    bundled = runner.invoke(app, ["bundle", number, str(tmp_path / "b")])
    assert bundled.exit_code == 0, bundled.output
    credential = tmp_path / "b" / "credential.json"
    offline = runner.invoke(app, ["verify", str(credential), "--offline", str(tmp_path / "b")])
    assert offline.exit_code == 0
    assert "离线" in offline.output
    revoked = runner.invoke(certificate_app, ["revoke", number, "--reason", "违规取得"])
    assert revoked.exit_code == 0, revoked.output
    after = runner.invoke(app, ["verify", str(credential), "--json"])
    assert after.exit_code == 1
    assert json.loads(after.output)["failed_check"] in ("status", "registry")
    again = runner.invoke(certificate_app, ["reinstate", number, "--reason", "误操作"])
    assert again.exit_code == 2
    assert "不能" in again.output


def test_keys_rotate_and_pdf(runner: CliRunner, number: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["issue", number]).exit_code == 0
    rotated = runner.invoke(keys_app, ["rotate", "mohrss-14"])
    assert rotated.exit_code == 0
    assert "z6Mk" in rotated.output
    listed = runner.invoke(keys_app, ["list", "mohrss-14"])
    assert "已轮换" in listed.output
    assert "使用中" in listed.output
    unknown = runner.invoke(keys_app, ["rotate", "nobody-99"])
    assert unknown.exit_code == 2
    printed = runner.invoke(app, ["pdf", number, str(tmp_path / "c.pdf")])
    assert printed.exit_code == 0, printed.output
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")


def test_a_revocation_dated_later_reaches_the_status_list_on_its_day(
    runner: CliRunner, number: str, session: Session, tmp_path: Path
) -> None:
    """A status list tells verifiers, offline too, what holds today: a revocation dated
    next month must not show before then, and must show from then on."""
    assert runner.invoke(app, ["issue", number, "--out", str(tmp_path / "c.json")]).exit_code == 0
    later = clock.today() + timedelta(days=30)
    revoked = runner.invoke(
        certificate_app,
        ["revoke", number, "--reason", "违规取得", "--effective-on", later.isoformat()],
    )
    assert revoked.exit_code == 0, revoked.output
    today = runner.invoke(app, ["verify", str(tmp_path / "c.json"), "--json"])
    assert today.exit_code == 0, today.output
    assert json.loads(today.output)["verified"] is True
    nothing_due = runner.invoke(app, ["sync-status"])
    assert nothing_due.exit_code == 0, nothing_due.output
    assert "0 张证书" in nothing_due.output
    # The job as it runs on that day (the command itself only ever uses today).
    assert service.sync_due_status_bits(session, later) == 1
    assert service.sync_due_status_bits(session, later) == 0  # idempotent
    after = runner.invoke(app, ["verify", str(tmp_path / "c.json"), "--json"])
    assert after.exit_code == 1
    assert json.loads(after.output)["failed_check"] == "status"


def test_sync_status_refuses_a_start_after_today(runner: CliRunner) -> None:
    tomorrow = clock.today() + timedelta(days=1)
    refused = runner.invoke(app, ["sync-status", "--since", tomorrow.isoformat()])
    assert refused.exit_code == 2
    assert "不能晚于今天" in refused.output
