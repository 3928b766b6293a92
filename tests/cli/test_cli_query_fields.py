"""`certbridge query --id-type` checks the number by the chosen document; --json carries the
new fields (性别, 证件类型, review history, 作业项目代号) as the API does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge.cli.main import app
from certbridge.config import get_settings
from certbridge.registry.service import record_event
from support import Registry


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def holder(registry: Registry, session: Session) -> dict[str, str]:
    person, id_number = registry.person("周杰")
    card, _ = registry.certificate(person, id_number, "低压电工作业", issued=date(2019, 9, 1))
    record_event(
        session, card, kind="reviewed", effective_on=date(2022, 8, 20), actor="test", reason=""
    )
    registry.certificate(person, id_number, "起重机司机", issued=date(2024, 3, 1))
    session.commit()
    return {"name": "周杰", "id_number": id_number}


def test_query_json_with_an_id_type_carries_the_new_fields_as_the_api_does(
    cli_env: CliRunner, client: TestClient, holder: dict[str, str]
) -> None:
    arguments = ["query", "--name", "周杰", "--id-number", holder["id_number"]]
    result = cli_env.invoke(app, [*arguments, "--id-type", "居民身份证", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    api = client.get(
        "/api/v1/certificates",
        params={"name": "周杰", "id_number": holder["id_number"], "id_type": "resident"},
    )
    assert printed == api.json()
    assert printed["holder"]["sex_label"] in ("男", "女")
    card = next(c for c in printed["certificates"] if c["scheme"]["code"] == "special_operation")
    assert card["reviews"]["last_done_on"] == "2022-08-20"
    crane = next(c for c in printed["certificates"] if c["scheme"]["code"] == "special_equipment")
    assert crane["item_code"] == "Q2"


def test_the_table_shows_the_item_code_with_the_type(
    cli_env: CliRunner, holder: dict[str, str]
) -> None:
    result = cli_env.invoke(app, ["query", "--name", "周杰", "--id-number", holder["id_number"]])
    assert result.exit_code == 0, result.output
    assert "（Q2）" in result.output


@pytest.mark.parametrize(
    ("id_type", "number", "words"),
    [
        ("护照", "12345", "国籍代码"),
        ("foreign_permanent", "ABC12", "外国人永久居留身份证"),
        ("驾驶证", "12345", "证件类型应为"),
    ],
)
def test_a_number_that_does_not_fit_the_chosen_id_type_exits_2_with_the_rule(
    cli_env: CliRunner, id_type: str, number: str, words: str
) -> None:
    result = cli_env.invoke(
        app, ["query", "--name", "周杰", "--id-number", number, "--id-type", id_type]
    )
    assert result.exit_code == 2
    assert words in result.output
