"""What the recognition API and page answer: levels refused with their rule, the best
standing per occupation, exemptions already held greyed, and the exam province chosen
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

CASE: dict[str, Any] = {
    "as_of": "2026-11-29",
    "certificates": [
        {"type": "熔化焊接与热切割作业", "issued": "2021-05-10"},
        {"type": "焊工", "level": 4, "issued": "2023-06-01"},
        {"type": "建筑焊工", "issued": "2025-03-01"},
    ],
    "target": "建筑焊工",
}


def _with_level(level: object) -> dict[str, Any]:
    return {**CASE, "certificates": [{"type": "焊工", "level": level, "issued": "2023-06-01"}]}


@pytest.mark.parametrize("level", [-1, 0, 6, 4.5, "-1", "+4", "0", "6", "4.5", "-1级", True])
def test_a_level_outside_one_to_five_is_refused_with_the_rule_and_the_field(
    client: TestClient, level: object
) -> None:
    response = client.post("/api/v1/recognition/evaluate", json=_with_level(level))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "recognition.level_invalid"
    assert error["field"] == "certificates[0].level"
    assert "第1张证书" in error["message"]
    if not isinstance(level, bool):
        assert "1至5的整数" in error["message"]


@pytest.mark.parametrize("level", [4, 4.0, "4", "4级", "四级", "四级/中级工", "中级工"])
def test_a_level_one_to_five_or_its_name_is_read_as_that_level(
    client: TestClient, level: object
) -> None:
    response = client.post("/api/v1/recognition/evaluate", json=_with_level(level))
    assert response.status_code == 200, response.text
    assert response.json()["certificates"][0]["level"] == 4


def test_the_answer_shows_the_best_standing_and_greys_what_is_moot(client: TestClient) -> None:
    body = client.post("/api/v1/recognition/evaluate", json=CASE).json()
    (welder,) = body["standings"]
    assert (welder["occupation_name"], welder["level_name"]) == ("焊工", "四级/中级工")
    assert welder["held"] == ["certificates[1]"]
    (deemed,) = body["deemed_levels"]
    assert (deemed["level"], deemed["superseded_by"]) == (5, 4)
    assert deemed["note"] == "已持有焊工四级/中级工证书，以此为准"
    assert {e["code"] for e in body["exemptions"]} == {"safety_training", "theory_exam"}
    assert all(e["already_held"] and e["note"] == "已持有该证书" for e in body["exemptions"])


def test_the_answer_says_which_province_applied_and_why(client: TestClient) -> None:
    unchosen = client.post("/api/v1/recognition/evaluate", json=CASE).json()
    assert (unchosen["province"], unchosen["province_source"]) == (None, "none")
    assert "只按全国规定" in unchosen["province_note"]
    chosen = client.post("/api/v1/recognition/evaluate", json={**CASE, "province": "35"}).json()
    assert chosen["province"] == {"code": "35", "name": "福建省"}
    assert chosen["province_source"] == "chosen"
    assert chosen["province_note"] == "按选择的报考省份（福建省）：该省没有特别规定，按全国规定。"


@pytest.fixture
def welder(registry, session: Session):  # type: ignore[no-untyped-def]
    """A welder with 熔化焊接与热切割作业 and 焊工 四级, both issued in 山西 (14)."""
    person, id_number = registry.person("李建国")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2024, 5, 10))
    registry.certificate(person, id_number, "焊工", level=4, issued=date(2023, 6, 1))
    session.commit()
    return {"name": "李建国", "id_number": id_number}


def test_a_registered_holder_may_choose_the_exam_province(client: TestClient, welder) -> None:  # type: ignore[no-untyped-def]
    guessed = client.get("/api/v1/recognition", params=welder).json()
    assert (guessed["province"]["code"], guessed["province_source"]) == ("14", "certificates")
    assert guessed["province_note"].startswith("未选择报考省份，按有效证书的发证省份（山西省）")
    chosen = client.get("/api/v1/recognition", params={**welder, "province": "35"}).json()
    assert (chosen["province"]["code"], chosen["province_source"]) == ("35", "chosen")


def test_the_page_offers_the_exam_province_and_shows_the_standing(
    client: TestClient, welder
) -> None:  # type: ignore[no-untyped-def]
    form = client.get("/recognition")
    assert 'name="province"' in form.text
    assert "福建省" in form.text
    page = client.post(
        "/recognition", data={**welder, "target": "construction:12", "province": "35"}
    )
    assert page.status_code == 200
    assert "按选择的报考省份（福建省）" in page.text
    assert '<option value="35" selected' in page.text
    assert "焊工 四级/中级工" in page.text
    assert "已持有焊工四级/中级工证书，以此为准" in page.text


def test_the_page_greys_an_exemption_for_a_certificate_already_held(
    client: TestClient, registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("周立新")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2024, 5, 10))
    registry.certificate(person, id_number, "建筑焊工", issued=date(2025, 3, 1))
    session.commit()
    page = client.post(
        "/recognition",
        data={"name": "周立新", "id_number": id_number, "target": "construction:12"},
    )
    assert page.status_code == 200
    assert "已持有该证书" in page.text
    assert 'class="rec-item held"' in page.text
