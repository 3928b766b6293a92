"""The one-stop query API on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.auth.service import create_token
from certbridge.registry.service import record_event


@pytest.fixture
def electrician(registry, session: Session):  # type: ignore[no-untyped-def]
    """A holder of 低压电工作业 (应急), 建筑电工 (住建) and 电工 四级 (人社)."""
    person, id_number = registry.person("李建国")
    numbers = {
        "mem": registry.certificate(person, id_number, "低压电工作业", issued=date(2023, 2, 1))[1],
        "mohurd": registry.certificate(
            person, id_number, "建筑电工", issued=clock.today() - timedelta(days=100)
        )[1],
        "skill": registry.certificate(person, id_number, "电工", level=4, issued=date(2022, 6, 1))[
            1
        ],
    }
    session.commit()
    return {"name": "李建国", "id_number": id_number, "numbers": numbers}


def test_a_person_query_answers_for_every_scheme_in_one_result(
    client: TestClient, electrician
) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/api/v1/certificates",
        params={"name": electrician["name"], "id_number": electrician["id_number"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert {c["scheme"]["code"] for c in body["certificates"]} == {
        "special_operation",
        "construction",
        "skill_level",
    }
    skill = next(c for c in body["certificates"] if c["scheme"]["code"] == "skill_level")
    assert skill["level"] == {"number": 4, "name": "四级/中级工"}
    assert skill["occupation"]["code"] == "6-31-01-03"
    assert all(c["status"]["code"] for c in body["certificates"])
    assert body["holder"]["id_number_masked"].count("*") >= 8


def test_no_response_contains_the_full_id_number(client: TestClient, electrician) -> None:  # type: ignore[no-untyped-def]
    params = {"name": electrician["name"], "id_number": electrician["id_number"]}
    person = client.get("/api/v1/certificates", params=params)
    by_number = client.get(
        f"/api/v1/certificates/{electrician['numbers']['mem']}",
        params={"name": electrician["name"]},
    )
    page = client.post("/query", data=params)
    for response in (person, by_number, page):
        assert response.status_code == 200
        assert electrician["id_number"] not in response.text
    # The 特种作业 number is "T" + ID number: it is shown masked.
    assert by_number.json()["certificates"][0]["number"].startswith("T")
    assert "*" in by_number.json()["certificates"][0]["number"]


def test_a_wrong_name_gets_exactly_the_answer_of_a_holder_who_does_not_exist(
    client: TestClient, electrician
) -> None:  # type: ignore[no-untyped-def]
    wrong_name = client.get(
        "/api/v1/certificates", params={"name": "王小明", "id_number": electrician["id_number"]}
    )
    nobody = client.get(
        "/api/v1/certificates", params={"name": "王小明", "id_number": "11010519491231002X"}
    )
    number = electrician["numbers"]["skill"]
    wrong_holder = client.get(f"/api/v1/certificates/{number}", params={"name": "王小明"})
    no_number = client.get("/api/v1/certificates/S000011000001229000001", params={"name": "王小明"})
    assert wrong_name.status_code == nobody.status_code == 404
    assert wrong_name.content == nobody.content == wrong_holder.content == no_number.content


def test_one_certificate_is_found_by_number_and_name(client: TestClient, electrician) -> None:  # type: ignore[no-untyped-def]
    number = electrician["numbers"]["mohurd"]
    response = client.get(f"/api/v1/certificates/{number}", params={"name": electrician["name"]})
    assert response.status_code == 200
    [certificate] = response.json()["certificates"]
    assert certificate["number"] == number
    assert certificate["type"]["name"] == "建筑电工"
    assert certificate["issuer"]["department"]["name"] == "住建"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"name": "张伟", "id_number": "110105194912310021"}, "id_number.checksum"),
        ({"name": "张伟", "id_number": "11010519491331002X"}, "id_number.birth_date"),
        ({"name": "张伟", "id_number": "12345"}, "id_number.length"),
        ({"name": "张伟' OR '1'='1", "id_number": "11010519491231002X"}, "name.character"),
        ({"name": "", "id_number": "11010519491231002X"}, "request.invalid"),
        ({"name": "张" * 51, "id_number": "11010519491231002X"}, "request.invalid"),
        ({"id_number": "11010519491231002X"}, "request.invalid"),
    ],
)
def test_bad_input_is_refused_with_the_rule_it_broke(
    client: TestClient, params: dict[str, str], code: str
) -> None:
    response = client.get("/api/v1/certificates", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_a_name_with_a_character_outside_the_basic_plane_is_accepted(
    client: TestClient, registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("𠮷野")
    registry.certificate(person, id_number, "叉车司机")
    session.commit()
    response = client.get("/api/v1/certificates", params={"name": "𠮷野", "id_number": id_number})
    assert response.status_code == 200
    assert response.json()["holder"]["name"] == "𠮷野"


def test_full_width_and_lower_case_id_numbers_find_the_same_holder(
    client: TestClient, electrician
) -> None:  # type: ignore[no-untyped-def]
    id_number = electrician["id_number"]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in id_number)
    response = client.get(
        "/api/v1/certificates", params={"name": electrician["name"], "id_number": f" {full_width} "}
    )
    assert response.status_code == 200


def test_person_queries_over_the_limit_get_429_with_retry_after(settings, electrician) -> None:  # type: ignore[no-untyped-def]
    from certbridge.web.app import create_app

    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}))
    with TestClient(app) as limited:
        params = {"name": electrician["name"], "id_number": electrician["id_number"]}
        codes = [limited.get("/api/v1/certificates", params=params).status_code for _ in range(4)]
        refused = limited.get("/api/v1/certificates", params=params)
    app.state.engine.dispose()
    assert codes == [200, 200, 200, 429]
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"


def test_queries_by_number_share_the_same_per_client_limit(settings, electrician) -> None:  # type: ignore[no-untyped-def]
    from certbridge.web.app import create_app

    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 2}))
    number = electrician["numbers"]["skill"]
    with TestClient(app) as limited:
        codes = [
            limited.get(f"/api/v1/certificates/{number}", params={"name": "王小明"}).status_code
            for _ in range(3)
        ]
    app.state.engine.dispose()
    assert codes == [404, 404, 429]


def test_status_reflects_suspension_from_the_event_history(
    client: TestClient, registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("赵敏")
    certificate, number = registry.certificate(
        person, id_number, "叉车司机", issued=date(2024, 1, 10)
    )
    record_event(
        session,
        certificate,
        kind="suspended",
        effective_on=date(2025, 5, 1),
        actor="t",
        reason="违章作业",
    )
    session.commit()
    response = client.get(f"/api/v1/certificates/{number}", params={"name": "赵敏"})
    status = response.json()["certificates"][0]["status"]
    assert status["code"] == "suspended"
    assert "违章作业" in status["reason"]
    assert status["counts"] is False


def test_a_special_operation_certificate_near_its_review_date_is_review_due(
    client: TestClient, registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    issued = clock.today() - timedelta(days=3 * 365 - 20)
    person, id_number = registry.person("孙丽")
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=issued)
    session.commit()
    response = client.get("/api/v1/certificates", params={"name": "孙丽", "id_number": id_number})
    status = response.json()["certificates"][0]["status"]
    assert status["code"] == "review_due"
    assert status["due_date"] is not None
    assert status["due_date"] in status["reason"] or "复审" in status["reason"]


def test_no_log_line_contains_a_full_id_number(
    client: TestClient, electrician, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    client.get(
        "/api/v1/certificates",
        params={"name": electrician["name"], "id_number": electrician["id_number"]},
    )
    client.get(
        f"/api/v1/certificates/{electrician['numbers']['mem']}",
        params={"name": electrician["name"]},
    )
    # Server-side records only: the test's own HTTP client logs the URL it sent.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("httpx")
    )
    assert "/api/v1/certificates" in logged  # the access log did run
    assert electrician["id_number"] not in logged


class TestWriteSide:
    def _token(self, session: Session, role: str, scope: str) -> dict[str, str]:
        _, secret = create_token(session, role=role, scope=scope, label="test")
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    def test_a_write_without_a_token_is_refused(self, client: TestClient, electrician) -> None:  # type: ignore[no-untyped-def]
        number = electrician["numbers"]["mem"]
        response = client.post(
            f"/api/v1/certificates/{number}/status", json={"action": "suspend", "reason": "x"}
        )
        assert response.status_code == 401

    def test_another_departments_token_is_forbidden(
        self, client: TestClient, electrician, session: Session
    ) -> None:  # type: ignore[no-untyped-def]
        headers = self._token(session, "department", "mohurd:14")
        number = electrician["numbers"]["mem"]
        response = client.post(
            f"/api/v1/certificates/{number}/status",
            json={"action": "suspend", "reason": "核查"},
            headers=headers,
        )
        assert response.status_code == 403

    def test_another_provinces_token_is_forbidden(
        self, client: TestClient, electrician, session: Session
    ) -> None:  # type: ignore[no-untyped-def]
        headers = self._token(session, "department", "mem:11")
        number = electrician["numbers"]["mem"]
        response = client.post(
            f"/api/v1/certificates/{number}/status",
            json={"action": "revoke", "reason": "核查"},
            headers=headers,
        )
        assert response.status_code == 403

    def test_the_issuing_department_suspends_and_the_query_shows_it(
        self, client: TestClient, electrician, session: Session
    ) -> None:  # type: ignore[no-untyped-def]
        headers = self._token(session, "department", "mem:14")
        number = electrician["numbers"]["mem"]
        response = client.post(
            f"/api/v1/certificates/{number}/status",
            json={"action": "suspend", "reason": "违章作业"},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json()["state"] == "suspended"
        assert response.json()["actor"].startswith("token:")
        after = client.get(f"/api/v1/certificates/{number}", params={"name": electrician["name"]})
        assert after.json()["certificates"][0]["status"]["code"] == "suspended"

    def test_a_revoked_certificate_cannot_be_reinstated(
        self, client: TestClient, electrician, session: Session
    ) -> None:  # type: ignore[no-untyped-def]
        headers = self._token(session, "admin", "*")
        number = electrician["numbers"]["skill"]
        url = f"/api/v1/certificates/{number}/status"
        assert (
            client.post(
                url, json={"action": "revoke", "reason": "弄虚作假"}, headers=headers
            ).status_code
            == 200
        )
        again = client.post(url, json={"action": "reinstate", "reason": "误操作"}, headers=headers)
        assert again.status_code == 422
        assert again.json()["error"]["code"] == "status.transition"

    def test_a_verification_link_resolves_until_it_is_withdrawn(
        self, client: TestClient, electrician, session: Session
    ) -> None:  # type: ignore[no-untyped-def]
        headers = self._token(session, "department", "mohurd:*")
        number = electrician["numbers"]["mohurd"]
        created = client.post(f"/api/v1/certificates/{number}/verification-links", headers=headers)
        assert created.status_code == 200
        token = created.json()["token"]
        assert len(token) >= 32
        page = client.get(f"/v/{token}")
        assert page.status_code == 200
        assert "建筑电工" in page.text
        assert "李*国" in page.text
        assert f'href="/v/{token}/certificate.pdf"' in page.text
        api = client.get(f"/api/v1/verifications/{token}")
        assert api.json()["certificate"]["number"] == number
        withdrawn = client.delete(
            f"/api/v1/certificates/{number}/verification-links", headers=headers
        )
        assert withdrawn.json() == {"withdrawn": 1}
        assert client.get(f"/v/{token}").status_code == 404


def test_institutions_are_found_by_partial_and_misspelt_names(
    client: TestClient, session: Session
) -> None:
    from certbridge.registry.models import Institution, InstitutionScope

    session.add_all(
        [
            Institution(
                code="S000114000001",
                name="太原鸿运职业技能培训学校",
                kind="S",
                filing_code="0001",
                province_code="14",
                scopes=[InstitutionScope(occupation_code="6-31-01-03", level=4)],
            ),
            Institution(
                code="Y000244000002",
                name="广州恒通电力工程有限公司",
                kind="Y",
                filing_code="0002",
                province_code="44",
                scopes=[],
            ),
        ]
    )
    session.commit()
    partial = client.get("/api/v1/institutions", params={"q": "鸿运"}).json()["results"]
    assert [r["name"] for r in partial] == ["太原鸿运职业技能培训学校"]
    assert partial[0]["scopes"][0]["level"]["name"] == "四级/中级工"
    misspelt = client.get("/api/v1/institutions", params={"q": "太原鸿远职业技能培训"}).json()[
        "results"
    ]
    assert misspelt
    assert misspelt[0]["name"] == "太原鸿运职业技能培训学校"
    other_province = client.get(
        "/api/v1/institutions", params={"q": "鸿运", "province": "44"}
    ).json()
    assert other_province["results"] == []
    bad = client.get("/api/v1/institutions", params={"q": "鸿运", "province": "99"})
    assert bad.status_code == 422


def test_the_openapi_schema_documents_every_query_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/certificates", "/api/v1/certificates/{number}", "/api/v1/institutions"} <= set(
        schema["paths"]
    )
    json.dumps(schema)


def test_the_access_log_keeps_a_certificate_number_that_is_not_an_id_number(
    client: TestClient, electrician, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="certbridge.access")
    number = electrician["numbers"]["mohurd"]
    client.get(f"/api/v1/certificates/{number}", params={"name": electrician["name"]})
    from certbridge.http.logging import MaskIdNumbers

    [record] = [r for r in caplog.records if r.name == "certbridge.access"]
    MaskIdNumbers().filter(record)  # what the production handler applies
    line = record.getMessage()
    assert line.startswith("GET 200 ")
    assert line.endswith(f"/api/v1/certificates/{number}")
