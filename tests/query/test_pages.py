"""HTML pages answer in Chinese, keep the ID number out of the page, and never 500."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session


def test_the_home_page_offers_both_query_forms(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="zh-CN"' in page.text
    assert 'id="person-form"' in page.text
    assert 'id="number-form"' in page.text


def test_a_person_query_by_form_lists_the_certificates(
    client: TestClient, registry, session: Session
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("钱多多")
    registry.certificate(person, id_number, "低压电工作业", issued=date(2024, 4, 1))
    session.commit()
    page = client.post("/query", data={"name": "钱多多", "id_number": id_number})
    assert page.status_code == 200
    assert "低压电工作业" in page.text
    assert id_number not in page.text


def test_a_malformed_id_number_in_the_form_shows_the_rule_outside_the_alert(
    client: TestClient,
) -> None:
    """The number is kept in its own field (no-store), never repeated in the message."""
    page = client.post("/query", data={"name": "钱多多", "id_number": "110105194912310021"})
    assert page.status_code == 422
    assert "校验码" in page.text
    assert page.text.count("110105194912310021") == 1


def test_an_unknown_page_is_a_chinese_404_page(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "页面不存在" in page.text


def test_an_unknown_verification_token_gets_the_withdrawn_link_page(client: TestClient) -> None:
    page = client.get("/v/not-a-real-token-000000000000")
    assert page.status_code == 404
    assert "核验链接无效或已被撤回" in page.text


def test_the_institution_page_searches_by_name(client: TestClient) -> None:
    page = client.get("/institutions", params={"q": "不存在的机构"})
    assert page.status_code == 200
    assert "没有找到与“不存在的机构”匹配的评价机构" in page.text
