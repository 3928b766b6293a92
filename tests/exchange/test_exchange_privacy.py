"""No name oracle: a batch never tells an uploader what the registry holds about a person
or a certificate it did not issue; name conflicts go to the parties concerned."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge.auth.service import create_token
from certbridge.cli.main import app
from certbridge.exchange.models import ConflictEvent, NameConflict
from certbridge.registry.models import Certificate, CertificateEvent, Person
from support import Registry


def _token(session: Session, role: str, scope: str) -> dict[str, str]:
    _, secret = create_token(session, role=role, scope=scope, label=f"{role} {scope}")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _post(client: TestClient, headers: dict[str, str], path: Path, profile: str = "standard"):  # type: ignore[no-untyped-def]
    with path.open("rb") as stream:
        return client.post(
            "/api/v1/exchange/batches",
            headers=headers,
            data={"profile": profile},
            files={"file": (path.name, stream, "text/csv")},
        )


def _special_operation(name: str, id_number: str, authority: str) -> list[str]:
    issued = date(2022, 3, 1)
    return [name, id_number, "T" + id_number, "低压电工作业", "", authority,
            issued.isoformat(), "2028-03-01", ""]  # fmt: skip


def _registered(registry: Registry, session: Session, name: str, birth: date) -> str:
    """A holder of a 住建 山西 certificate; returns the ID number."""
    person, id_number = registry.person(name, birth=birth)
    registry.certificate(person, id_number, "建筑电工", issued=date(2024, 3, 1))
    session.commit()
    return id_number


@pytest.fixture
def holders(registry: Registry, session: Session) -> dict[str, str]:
    return {
        "王涵芳": _registered(registry, session, "王涵芳", date(1990, 4, 2)),
        "李明远": _registered(registry, session, "李明远", date(1985, 7, 9)),
    }


def test_a_stranger_uploading_real_id_numbers_never_learns_the_registered_names(
    client: TestClient, session: Session, holders: dict[str, str], files
) -> None:  # type: ignore[no-untyped-def]
    stranger = _token(session, "department", "mem:11")  # 北京应急: issued nothing to them
    rows = [
        _special_operation("张三", id_number, "北京市应急管理厅") for id_number in holders.values()
    ]
    response = _post(client, stranger, files.csv(rows))

    assert response.status_code == 200, response.text
    for registered in holders:
        assert registered not in response.text
    body = response.json()
    assert (body["rejected"], body["accepted"], body["conflicts"]) == (2, 0, 2)
    errors = [r["errors"] for r in body["rejected_rows"]]
    assert errors[0] == errors[1]  # the same words for every such row
    assert errors[0][0]["code"] == "person.name_conflict"
    assert all(r["conflict_id"] for r in body["rejected_rows"])
    names = set(session.scalars(select(Person.name)))
    assert names == set(holders)  # nothing overwritten


def test_the_issuer_of_the_persons_certificate_is_told_the_registered_name(
    client: TestClient, session: Session, holders: dict[str, str], files
) -> None:  # type: ignore[no-untyped-def]
    issuer = _token(session, "department", "mohurd:14")  # issued 王涵芳's 建筑电工
    row = [
        "王晗芳", holders["王涵芳"], "晋A012024000099", "建筑电工", "", "山西省住房和城乡建设厅",
        "2024-05-01", "2026-05-01", "",
    ]  # fmt: skip
    body = _post(client, issuer, files.csv([row])).json()
    assert body["rejected_rows"][0]["errors"][0]["code"] == "person.name_conflict"
    assert "王涵芳" in body["rejected_rows"][0]["errors"][0]["message"]


def _status_list(files, rows: list[list[str]]) -> Path:  # type: ignore[no-untyped-def]
    header = ["证书编号", "证书类型", "姓名", "处理类型", "生效日期", "原因"]
    return files.csv(rows, header=header)


def test_status_rows_outside_the_uploaders_own_records_all_get_one_answer(
    client: TestClient, session: Session, registry: Registry, files
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("周杰伦", birth=date(1979, 1, 18))
    registry.certificate(person, id_number, "低压电工作业", issued=date(2023, 3, 1))  # 应急 山西
    session.commit()
    number = "T" + id_number
    rows = [
        [number, "低压电工作业", "周杰伦", "暂停", "2025-06-01", "违章作业"],  # another province's
        [number, "低压电工作业", "某某某", "暂停", "2025-06-01", "违章作业"],  # and a wrong name
        ["T110101199001011237", "", "某人", "注销", "2025-07-01", ""],  # not registered at all
    ]
    beijing = _token(session, "department", "mem:11")
    body = _post(client, beijing, _status_list(files, rows), "status_list").json()

    answers = [r["errors"] for r in body["rejected_rows"]]
    assert body["rejected"] == 3
    assert answers[0] == answers[1] == answers[2]
    assert answers[0] == [
        {"code": "status.not_found", "message": answers[0][0]["message"], "column": None,
         "value": None}
    ]  # fmt: skip
    assert "山西" not in json.dumps(body, ensure_ascii=False)
    assert session.scalar(select(Certificate.state)) == "active"


# ---------------------------------------------------------------- conflicts


@pytest.fixture
def opened(client: TestClient, session: Session, holders: dict[str, str], files) -> int:  # type: ignore[no-untyped-def]
    """A conflict opened by 北京应急 sending 张三 for 王涵芳 (whose certificate 山西住建 issued)."""
    stranger = _token(session, "department", "mem:11")
    row = _special_operation("张三", holders["王涵芳"], "北京市应急管理厅")
    body = _post(client, stranger, files.csv([row])).json()
    return int(body["rejected_rows"][0]["conflict_id"])


def _get(client: TestClient, session: Session, role: str, scope: str, path: str):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/exchange/conflicts{path}", headers=_token(session, role, scope))


@pytest.mark.parametrize(
    ("role", "scope", "sees_name"),
    [
        ("department", "mem:11", False),  # the uploader
        ("department", "mohurd:14", True),  # issued the person's certificate
        ("department", "mohurd:*", True),
        ("regulator", "14", True),  # the issuer's province
        ("regulator", "11", True),  # the uploader's province
        ("regulator", "*", True),
    ],
)
def test_a_conflict_is_listed_for_each_party_concerned_with_what_it_may_see(
    client: TestClient, session: Session, opened: int, role: str, scope: str, sees_name: bool
) -> None:
    listed = _get(client, session, role, scope, "").json()["conflicts"]
    shown = _get(client, session, role, scope, f"/{opened}")
    assert [c["id"] for c in listed] == [opened]
    assert shown.status_code == 200
    assert (shown.json()["registered_name"] == "王涵芳") is sees_name
    assert ("王涵芳" in shown.text) is sees_name
    assert shown.json()["submitted_name"] == "张三"
    assert shown.json()["holder_id_masked"].count("*") >= 8


@pytest.mark.parametrize(
    ("role", "scope"),
    [("department", "mem:14"), ("department", "samr:11"), ("regulator", "44")],
)
def test_a_party_not_concerned_gets_the_answer_of_an_unknown_conflict(
    client: TestClient, session: Session, opened: int, role: str, scope: str
) -> None:
    assert _get(client, session, role, scope, "").json()["conflicts"] == []
    hidden = _get(client, session, role, scope, f"/{opened}")
    unknown = _get(client, session, role, scope, f"/{opened + 1000}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()
    resolved = client.post(
        f"/api/v1/exchange/conflicts/{opened}/resolution",
        headers=_token(session, role, scope),
        json={"outcome": "keep_registered", "reason": "核实"},
    )
    assert resolved.status_code == 404


def _resolve(client: TestClient, session: Session, scope: str, conflict: int, **body: str):  # type: ignore[no-untyped-def]
    role = "regulator" if ":" not in scope else "department"
    return client.post(
        f"/api/v1/exchange/conflicts/{conflict}/resolution",
        headers=_token(session, role, scope),
        json=body,
    )


def test_the_uploader_may_withdraw_its_row_but_never_rename_the_holder(
    client: TestClient, session: Session, opened: int
) -> None:
    before = _get(client, session, "department", "mem:11", f"/{opened}").json()
    assert before["may_correct"] is False
    assert before["issuers"] == []
    assert before["registered_name"] is None
    renamed = _resolve(client, session, "mem:11", opened, outcome="correct_registered",
                       reason="我方登记为张三")  # fmt: skip
    assert renamed.status_code == 403
    no_reason = _resolve(client, session, "mem:11", opened, outcome="keep_registered", reason=" ")
    assert no_reason.status_code == 422
    kept = _resolve(client, session, "mem:11", opened, outcome="keep_registered",
                    reason="姓名录入错误，撤回")  # fmt: skip
    assert kept.status_code == 200, kept.text
    assert (kept.json()["status"], kept.json()["outcome"]) == ("resolved", "keep_registered")
    again = _resolve(client, session, "14", opened, outcome="correct_registered", reason="再议")
    assert again.status_code == 409
    assert session.scalar(select(Person.name).where(Person.name == "王涵芳")) == "王涵芳"
    assert session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_an_issuer_corrects_the_registered_name_and_the_row_is_imported_with_an_audit_trail(
    client: TestClient, session: Session, opened: int
) -> None:
    resolved = _resolve(client, session, "mohurd:14", opened, outcome="correct_registered",
                        reason="经核对户籍信息，姓名应为张三")  # fmt: skip

    assert resolved.status_code == 200, resolved.text
    view = resolved.json()
    assert (view["outcome"], view["applied"], view["registered_name"]) == (
        "correct_registered", "accepted", "张三",
    )  # fmt: skip
    assert [e["kind"] for e in view["history"]] == ["opened", "resolved", "applied"]
    assert view["history"][1]["reason"] == "经核对户籍信息，姓名应为张三"
    assert view["history"][1]["detail"]["previous_name"] == "王涵芳"
    session.expire_all()
    person = session.scalars(select(Person).where(Person.name == "张三")).one()
    kinds = {
        c.type_code: [e.kind for e in c.events]
        for c in session.scalars(select(Certificate).where(Certificate.person_id == person.id))
    }
    assert sorted(kinds.values()) == [["issued"], ["issued", "corrected"]]  # new, renamed
    corrected = session.scalars(
        select(CertificateEvent).where(CertificateEvent.kind == "corrected")
    ).one()
    assert corrected.actor.startswith("token:")
    assert "姓名" in corrected.reason
    # The uploader's row is now one of the person's certificates: it is an issuer now.
    uploader_view = _get(client, session, "department", "mem:11", f"/{opened}").json()
    assert uploader_view["access"] == "issuer"
    assert session.scalar(select(func.count()).select_from(ConflictEvent)) == 3


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings) -> CliRunner:  # type: ignore[no-untyped-def]
    from certbridge.config import get_settings

    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_conflicts_are_listed_shown_and_resolved_from_the_command_line(
    cli: CliRunner, session: Session, opened: int
) -> None:
    _, uploader = create_token(session, role="department", scope="mem:11")
    _, regulator = create_token(session, role="regulator", scope="14")
    session.commit()

    listed = cli.invoke(app, ["exchange", "conflicts", "list", "--token", uploader])
    assert listed.exit_code == 0, listed.output
    assert "张三" in listed.output
    assert "王涵芳" not in listed.output
    shown = cli.invoke(app, ["exchange", "conflicts", "show", str(opened)],
                       env={"CERTBRIDGE_TOKEN": regulator})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert "王涵芳" in shown.output
    assert "监管部门" in shown.output
    refused = cli.invoke(app, ["exchange", "conflicts", "resolve", str(opened), "--token",
                               uploader, "--outcome", "correct", "--reason", "改名"])  # fmt: skip
    assert refused.exit_code == 1
    assert "发证部门或监管部门" in refused.output
    done = cli.invoke(app, ["exchange", "conflicts", "resolve", str(opened), "--token",
                            regulator, "--outcome", "keep", "--reason", "登记姓名无误"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "维持登记姓名" in done.output
    stranger = create_token(session, role="department", scope="samr:44")[1]
    session.commit()
    hidden = cli.invoke(app, ["exchange", "conflicts", "show", str(opened), "--token", stranger])
    assert hidden.exit_code == 1
    assert "不存在" in hidden.output
    session.expire_all()
    assert session.get(NameConflict, opened).outcome == "keep_registered"  # type: ignore[union-attr]
