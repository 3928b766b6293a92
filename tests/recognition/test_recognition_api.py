"""Recognition over HTTP and the command line, on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge import clock
from certbridge.cli.main import app as cli_app
from certbridge.config import get_settings
from certbridge.registry.service import record_event

BODY = {
    "as_of": "2026-11-29",
    "certificates": [
        {
            "type": "低压电工作业",
            "level": None,
            "issued": "2022-03-01",
            "valid_until": "2028-03-01",
            "status": "valid",
        }
    ],
    "experience_years": {"6-31-01-03": 5},
    "education": "技工学校",
    "target": "建筑电工",
}


@pytest.fixture
def worker(registry, session: Session):  # type: ignore[no-untyped-def]
    """A holder of 低压电工作业 (valid) and 熔化焊接与热切割作业 (revoked)."""
    person, id_number = registry.person("王建军")
    registry.certificate(
        person, id_number, "低压电工作业", issued=clock.today() - timedelta(days=400)
    )
    welding, _ = registry.certificate(
        person, id_number, "熔化焊接与热切割作业", issued=clock.today() - timedelta(days=300)
    )
    record_event(
        session,
        welding,
        kind="revoked",
        effective_on=clock.today() - timedelta(days=10),
        actor="test",
        reason="考核作弊",
    )
    session.commit()
    return {"name": "王建军", "id_number": id_number}


def test_evaluate_answers_the_issue_example_with_rules_and_citations(client: TestClient) -> None:
    response = client.post("/api/v1/recognition/evaluate", json=BODY)
    assert response.status_code == 200
    body = response.json()
    assert {e["code"] for e in body["exemptions"]} == {"safety_training", "theory_exam"}
    assert body["deemed_levels"][0]["occupation"] == "6-31-01-03"
    assert body["deemed_levels"][0]["level"] == 5
    eligible = body["eligible_levels"][0]
    assert (eligible["occupation"], eligible["level"], eligible["met"]) == ("6-31-01-03", 4, True)
    for entry in body["exemptions"] + body["deemed_levels"] + body["eligible_levels"]:
        assert entry["rule_ids"]
        assert entry["citations"][0]["text"]
    assert body["certificates"][0]["counts"] is True


def test_evaluate_refuses_an_unknown_type_naming_the_row(client: TestClient) -> None:
    body = {**BODY, "certificates": [{**BODY["certificates"][0], "type": "火箭驾驶"}]}
    response = client.post("/api/v1/recognition/evaluate", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "certificates[0].type"
    assert "第1张证书" in error["message"]


def test_evaluate_refuses_a_skill_certificate_without_a_level(client: TestClient) -> None:
    body = {**BODY, "certificates": [{"type": "电工", "issued": "2020-01-01"}]}
    response = client.post("/api/v1/recognition/evaluate", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "recognition.level_required"


def test_a_registry_query_counts_only_valid_certificates(client: TestClient, worker) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/api/v1/recognition",
        params={"name": worker["name"], "id_number": worker["id_number"], "target": "建筑焊工"},
    )
    assert response.status_code == 200
    body = response.json()
    revoked = next(c for c in body["certificates"] if c["type"]["name"] == "熔化焊接与热切割作业")
    assert revoked["counts"] is False
    assert "撤销" in revoked["reason"]
    assert body["exemptions"] == []  # the revoked 熔化焊 would have waived 建筑焊工 training
    assert {d["occupation"] for d in body["deemed_levels"]} == {"6-31-01-03"}
    assert worker["id_number"] not in response.text


def test_a_wrong_name_gets_exactly_the_answer_of_a_holder_who_does_not_exist(
    client: TestClient, worker, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    wrong = client.get(
        "/api/v1/recognition", params={"name": "李四", "id_number": worker["id_number"]}
    )
    nobody = client.get(
        "/api/v1/recognition", params={"name": "李四", "id_number": "11010519491231002X"}
    )
    assert wrong.status_code == nobody.status_code == 404
    assert wrong.json() == nobody.json()
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("certbridge")]
    assert ours
    assert not any(worker["id_number"] in message for message in ours)


def test_recognition_queries_are_rate_limited(settings, worker) -> None:  # type: ignore[no-untyped-def]
    from certbridge.web.app import create_app

    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 2}))
    params = {"name": worker["name"], "id_number": worker["id_number"]}
    with TestClient(app) as limited:
        codes = [limited.get("/api/v1/recognition", params=params).status_code for _ in range(3)]
    app.state.engine.dispose()
    assert codes == [200, 200, 429]


def test_the_page_shows_the_answer_with_its_clauses_and_no_id_number(
    client: TestClient, worker
) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/recognition")
    assert form.status_code == 200
    assert "我能免考什么" in form.text
    page = client.post(
        "/recognition",
        data={
            "name": worker["name"],
            "id_number": worker["id_number"],
            "target": "construction:01",
        },
    )
    assert page.status_code == 200
    assert "免于安全作业培训" in page.text
    assert "关于推进职业技能证书互通互认的通知" in page.text
    assert worker["id_number"] not in page.text
    missing = client.post("/recognition", data={"name": "李四", "id_number": worker["id_number"]})
    assert missing.status_code == 404


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_cli_answers_a_file_with_the_apis_json(
    cli_env: CliRunner, client: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(BODY, ensure_ascii=False), encoding="utf-8")
    result = cli_env.invoke(cli_app, ["recognition", "evaluate", "--input", str(path), "--json"])
    assert result.exit_code == 0, result.output
    api = client.post("/api/v1/recognition/evaluate", json=BODY).json()
    assert json.loads(result.stdout) == api


def test_the_batch_writes_one_line_per_holder_of_the_scheme(
    cli_env: CliRunner, worker, registry, session: Session, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("赵六")
    registry.certificate(person, id_number, "电工", level=4, issued=date(2020, 1, 1))
    session.commit()
    out = tmp_path / "out.jsonl"
    result = cli_env.invoke(
        cli_app, ["recognition", "batch", "--scheme", "special_operation", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1  # 赵六 holds no 特种作业 certificate
    assert lines[0]["deemed"] == [["6-31-01-03", 5, ["N26-2a"], None]]
    summary = json.loads((tmp_path / "out.jsonl.summary.json").read_text(encoding="utf-8"))
    assert summary["persons"] == 1


def test_policy_check_and_show_work_on_the_bundled_policy(cli_env: CliRunner) -> None:
    checked = cli_env.invoke(cli_app, ["recognition", "policy-check"])
    assert checked.exit_code == 0, checked.output
    shown = cli_env.invoke(
        cli_app, ["recognition", "policy-show", "--as-of", "2025-06-01", "--json"]
    )
    assert shown.exit_code == 0
    ids = {rule["id"] for rule in json.loads(shown.stdout)}
    assert "STD-4a" in ids
    assert "N26-1" not in ids
