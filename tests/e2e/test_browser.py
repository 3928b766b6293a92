"""A real browser (Debian chromium via Playwright) fills the query form and reads the answer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from browser_support import launch
from certbridge.config import Settings
from certbridge.db import make_engine, make_session_factory
from support import TEST_KEYS, Registry

pytestmark = pytest.mark.browser


def _seed_holder(settings: Settings) -> str:
    engine = make_engine(settings.resolved_database_url)
    session: Session = make_session_factory(engine)()
    registry = Registry(session, TEST_KEYS)
    person, id_number = registry.person("王建华")
    registry.certificate(person, id_number, "低压电工作业", issued=date(2024, 4, 1))
    registry.certificate(person, id_number, "电工", level=4, issued=date(2023, 9, 1))
    session.commit()
    session.close()
    engine.dispose()
    return id_number


def _submit_person_form(base_url: str, name: str, id_number: str) -> dict[str, str]:
    """Fill and send the person form in chromium; what the next page shows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(base_url + "/")
        page.fill("#person-form input[name=name]", name)
        page.fill("#person-form input[name=id_number]", id_number)
        page.click("#person-form button[type=submit]")
        page.wait_for_selector("#certificate-count, [role=alert]")
        shown = {"body": page.content()}
        for key, selector in (
            ("count", "#certificate-count"),
            ("holder", "#holder-name"),
            ("alert", "[role=alert]"),
        ):
            element = page.query_selector(selector)
            shown[key] = element.inner_text() if element else ""
        browser.close()
    return shown


def test_a_person_fills_the_query_form_and_reads_their_certificates(
    served: tuple[str, Settings],
) -> None:
    base_url, settings = served
    id_number = _seed_holder(settings)
    shown = _submit_person_form(base_url, "王建华", id_number)
    assert shown["count"] == "2"
    assert shown["holder"] == "王建华"
    assert "低压电工作业" in shown["body"]
    assert "四级/中级工" in shown["body"]
    assert id_number not in shown["body"]


def test_a_wrong_name_in_the_form_reads_a_plain_chinese_refusal(
    served: tuple[str, Settings],
) -> None:
    base_url, settings = served
    id_number = _seed_holder(settings)
    shown = _submit_person_form(base_url, "王建国", id_number)
    assert "未查询到匹配的证书信息" in shown["alert"]
    assert shown["count"] == ""


def test_the_api_docs_render_without_fetching_anything_from_elsewhere(
    served: tuple[str, Settings],
) -> None:
    """An offline deployment must still show its API documentation: every request the
    /docs page makes is answered by certbridge itself."""
    from playwright.sync_api import Route, sync_playwright

    base_url, _settings = served
    elsewhere: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.route("**/*", only_here)
        page.goto(base_url + "/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        swagger_title = page.inner_text(".swagger-ui .info .title")
        swagger_paths = page.locator(".opblock-summary-path").count()
        browser.close()
    assert elsewhere == []
    assert "certbridge" in swagger_title
    assert swagger_paths > 10
