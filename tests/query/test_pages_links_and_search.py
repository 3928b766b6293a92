"""Pages keep what was typed, link each result to what it opens, search institutions by
code, occupation and province, and speak Chinese only (codes stay in the JSON)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certbridge.registry.models import Institution, InstitutionScope, VerificationToken
from certbridge.registry.service import record_event
from support import Registry

BAD_CHECKSUM = "110105194912310021"


def test_a_refused_person_query_keeps_the_name_and_id_number_and_is_never_stored(
    client: TestClient,
) -> None:
    page = client.post("/query", data={"name": "钱多多", "id_number": BAD_CHECKSUM})
    assert page.status_code == 422
    assert "校验码" in page.text
    assert f'value="{BAD_CHECKSUM}"' in page.text
    assert 'value="钱多多"' in page.text
    assert page.headers["cache-control"] == "no-store"


def test_a_refused_number_query_keeps_the_number_and_name(client: TestClient) -> None:
    page = client.post("/query/certificate", data={"number": "闽A122017000002", "name": "钱多多"})
    assert page.status_code == 404
    assert 'value="闽A122017000002"' in page.text
    assert 'value="钱多多"' in page.text
    assert page.headers["cache-control"] == "no-store"


@pytest.fixture
def holder(registry: Registry, session: Session) -> dict[str, str]:
    person, id_number = registry.person("钱多多")
    _, valid = registry.certificate(person, id_number, "低压电工作业", issued=date(2024, 4, 1))
    suspended, _ = registry.certificate(person, id_number, "建筑电工", issued=date(2025, 3, 1))
    record_event(
        session,
        suspended,
        kind="suspended",
        effective_on=date(2025, 6, 2),
        actor="test",
        reason="违章作业",
    )
    session.commit()
    return {"name": "钱多多", "id_number": id_number, "number": valid}


def _tokens(page: str) -> list[str]:
    return re.findall(r'href="/v/([A-Za-z0-9_\-]+)"', page)


def _token_count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(VerificationToken)) or 0)


def test_each_result_links_to_its_verification_page_qr_code_and_pdf_while_it_counts(
    client: TestClient, holder: dict[str, str], session: Session
) -> None:
    page = client.post("/query", data={"name": holder["name"], "id_number": holder["id_number"]})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    tokens = _tokens(page.text)
    assert len(tokens) == 2
    assert page.text.count("/qr.svg") == 2
    # The suspended certificate offers no PDF; the valid one does.
    assert page.text.count("/certificate.pdf") == 1
    for token in tokens:
        assert client.get(f"/v/{token}").status_code == 200
        qr = client.get(f"/v/{token}/qr.svg")
        assert qr.status_code == 200
        assert qr.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in qr.text
    # A second query shows the same links: tokens are found, not minted again.
    again = client.post("/query", data={"name": holder["name"], "id_number": holder["id_number"]})
    assert _tokens(again.text) == tokens
    assert _token_count(session) == 2
    by_number = client.post(
        "/query/certificate", data={"number": holder["number"], "name": holder["name"]}
    )
    assert _tokens(by_number.text)[0] in tokens


def test_the_json_api_never_writes_a_verification_token(
    client: TestClient, holder: dict[str, str], session: Session
) -> None:
    by_number = client.get(f"/api/v1/certificates/{holder['number']}", params={"name": "钱多多"})
    by_person = client.get(
        "/api/v1/certificates", params={"name": "钱多多", "id_number": holder["id_number"]}
    )
    assert by_number.status_code == by_person.status_code == 200
    assert _token_count(session) == 0


def test_a_result_opens_recognition_for_its_holder_without_the_id_number_in_clear(
    client: TestClient, holder: dict[str, str]
) -> None:
    page = client.post("/query", data={"name": holder["name"], "id_number": holder["id_number"]})
    assert holder["id_number"] not in page.text
    ticket = re.search(r'name="holder" value="([^"]+)"', page.text)
    assert ticket is not None
    answer = client.post("/recognition", data={"name": holder["name"], "holder": ticket[1]})
    assert answer.status_code == 200
    assert 'id="recognition-answer"' in answer.text
    assert holder["id_number"] not in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_a_number_result_opens_recognition_with_the_name_and_asks_for_the_id_number(
    client: TestClient, holder: dict[str, str]
) -> None:
    page = client.post(
        "/query/certificate", data={"number": holder["number"], "name": holder["name"]}
    )
    assert 'name="holder"' not in page.text
    form = client.post("/recognition", data={"name": holder["name"]})
    assert form.status_code == 200
    assert 'value="钱多多"' in form.text
    assert 'role="alert"' not in form.text
    assert 'id="recognition-answer"' not in form.text


def test_a_forged_ticket_asks_for_the_id_number_again(client: TestClient) -> None:
    page = client.post("/recognition", data={"name": "钱多多", "holder": "bm90LWEtdGlja2V0"})
    assert page.status_code == 422
    assert "请重新输入证件号码" in page.text


@pytest.fixture
def institutions(session: Session) -> None:
    session.add_all(
        [
            Institution(
                code="S000114000001",
                name="太原鸿运职业技能培训学校",
                kind="S",
                filing_code="0001",
                province_code="14",
                scopes=[
                    InstitutionScope(occupation_code="6-18-02-04", level=4),
                    InstitutionScope(occupation_code="6-31-01-03", level=5),
                ],
            ),
            Institution(
                code="S000214000002",
                name="山西恒通技能评价中心",
                kind="S",
                filing_code="0002",
                province_code="14",
                scopes=[InstitutionScope(occupation_code="4-10-01-05", level=4)],
            ),
            Institution(
                code="Y000344000003",
                name="广州恒通电力工程有限公司",
                kind="Y",
                filing_code="0003",
                province_code="44",
                scopes=[InstitutionScope(occupation_code="6-18-02-04", level=3)],
            ),
        ]
    )
    session.commit()


def _found(client: TestClient, **params: str) -> list[tuple[str, str]]:
    answer = client.get("/api/v1/institutions", params=params)
    assert answer.status_code == 200, answer.text
    return [(r["code"], r["matched_by"]) for r in answer.json()["results"]]


@pytest.mark.usefixtures("institutions")
def test_an_exact_institution_code_finds_that_institution_alone(client: TestClient) -> None:
    assert _found(client, q="S000114000001") == [("S000114000001", "code")]
    assert _found(client, q="s000114000001") == [("S000114000001", "code")]


@pytest.mark.usefixtures("institutions")
def test_an_occupation_finds_the_institutions_whose_filing_scope_holds_it(
    client: TestClient,
) -> None:
    assert _found(client, q="焊工") == [
        ("S000114000001", "occupation"),
        ("Y000344000003", "occupation"),
    ]
    assert _found(client, q="6-18-02-04", province="44") == [("Y000344000003", "occupation")]
    assert _found(client, q="养老护理员") == [("S000214000002", "occupation")]


@pytest.mark.usefixtures("institutions")
def test_a_province_alone_lists_its_institutions(client: TestClient) -> None:
    assert _found(client, province="14") == [
        ("S000114000001", "province"),
        ("S000214000002", "province"),
    ]
    page = client.get("/institutions", params={"province": "14"})
    assert "找到 2 家机构" in page.text
    assert "山西恒通技能评价中心" in page.text


@pytest.mark.usefixtures("institutions")
def test_a_search_that_finds_nothing_says_so_in_chinese(client: TestClient) -> None:
    assert _found(client, q="不存在的机构名称") == []
    page = client.get("/institutions", params={"q": "不存在的机构名称", "province": "44"})
    assert page.status_code == 200
    assert "没有找到与“不存在的机构名称”匹配的广东省评价机构" in page.text
    empty = client.get("/api/v1/institutions")
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "institution.query_empty"


def test_an_error_page_speaks_chinese_without_the_program_codes(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "页面不存在" in page.text
    assert "http.404" not in page.text
    assert "错误代码" not in page.text
    api = client.get("/api/v1/no/such/route")
    assert api.json()["error"]["code"] == "http.404"


def test_an_unknown_token_has_no_qr_code(client: TestClient) -> None:
    assert client.get("/v/not-a-real-token-000000000000/qr.svg").status_code == 404
