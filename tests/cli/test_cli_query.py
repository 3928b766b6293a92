"""The command line answers like the API, on the configured database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge.auth.models import ApiToken
from certbridge.cli.main import app
from certbridge.config import get_settings


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def holder(registry, session: Session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("周杰")
    _, number = registry.certificate(person, id_number, "建筑电工", issued=date(2025, 9, 1))
    registry.certificate(person, id_number, "焊工", level=5, issued=date(2021, 3, 1))
    session.commit()
    return {"name": "周杰", "id_number": id_number, "number": number}


def test_query_json_prints_the_same_data_as_the_api(
    cli_env: CliRunner, client: TestClient, holder
) -> None:  # type: ignore[no-untyped-def]
    result = cli_env.invoke(
        app, ["query", "--name", holder["name"], "--id-number", holder["id_number"], "--json"]
    )
    assert result.exit_code == 0, result.output
    api = client.get(
        "/api/v1/certificates", params={"name": holder["name"], "id_number": holder["id_number"]}
    )
    assert json.loads(result.output) == api.json()


def test_query_by_number_prints_a_table(cli_env: CliRunner, holder) -> None:  # type: ignore[no-untyped-def]
    result = cli_env.invoke(app, ["query", "--number", holder["number"], "--name", holder["name"]])
    assert result.exit_code == 0, result.output
    assert "建筑电工" in result.output
    assert holder["id_number"] not in result.output


def test_a_malformed_id_number_is_refused_with_the_rule_and_exit_code_2(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["query", "--name", "周杰", "--id-number", "110105194912310021"])
    assert result.exit_code == 2
    assert "校验码" in result.output


def test_an_unknown_holder_exits_1_with_the_uniform_message(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["query", "--name", "周杰", "--id-number", "11010519491231002X"])
    assert result.exit_code == 1
    assert "未查询到匹配的证书信息" in result.output


def test_token_create_prints_the_secret_once_and_stores_only_its_hash(
    cli_env: CliRunner, session: Session
) -> None:
    result = cli_env.invoke(
        app, ["token", "create", "--role", "department", "--scope", "mem:14", "--label", "山西"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("cbt_")
    stored = session.scalars(select(ApiToken)).one()
    assert secret not in (stored.token_hash, stored.prefix, stored.scope)
    assert stored.scope == "mem:14"


def test_token_create_refuses_a_scope_that_does_not_fit_the_role(cli_env: CliRunner) -> None:
    result = cli_env.invoke(app, ["token", "create", "--role", "department", "--scope", "*"])
    assert result.exit_code == 2
    assert "授权范围" in result.output
