"""Every page in Chromium under the Content-Security-Policy: no violation, no console error
(issue 10.11: no inline script, /docs started from a file)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from browser_support import launch
from certbridge.config import Settings
from certbridge.db import make_engine, make_session_factory
from certbridge.query.service import issue_verification_token
from support import TEST_KEYS, Registry

pytestmark = pytest.mark.browser

# Registered before any page script: the browser reports each blocked resource here.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _seed(settings: Settings) -> dict[str, str]:
    engine = make_engine(settings.resolved_database_url)
    session: Session = make_session_factory(engine)()
    registry = Registry(session, TEST_KEYS)
    person, id_number = registry.person("王建华")
    certificate, number = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2024, 4, 1)
    )
    token = issue_verification_token(session, certificate).token
    session.commit()
    session.close()
    engine.dispose()
    return {"id_number": id_number, "number": number, "token": token}


def _problems(page: Any, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__violations"), *console]


def _visit(base_url: str, path: str, act: Any = None) -> list[str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.add_init_script(WATCH_VIOLATIONS)
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: console.append(str(error)))
        response = page.goto(base_url + path)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        if act is not None:
            act(page)
        page.wait_for_load_state("networkidle")
        found = _problems(page, console)
        browser.close()
    # A 404 page reports its own status in the console; that is not a policy problem.
    return [p for p in found if "404" not in p]


PAGES = [
    "/",
    "/institutions",
    "/institutions?q=%E7%84%8A",
    "/recognition",
    "/credentials/verify",
    "/docs",
    "/no-such-page",
]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_runs_under_the_policy_without_a_violation(
    served: tuple[str, Settings], path: str
) -> None:
    base_url, _ = served
    assert _visit(base_url, path) == []


def test_the_verification_page_and_the_results_page_run_under_the_policy(
    served: tuple[str, Settings],
) -> None:
    base_url, settings = served
    seeded = _seed(settings)
    assert _visit(base_url, f"/v/{seeded['token']}") == []

    def query(page: Any) -> None:
        page.fill("#person-form input[name=name]", "王建华")
        page.fill("#person-form input[name=id_number]", seeded["id_number"])
        page.click("#person-form button[type=submit]")
        page.wait_for_selector("#certificate-count")

    assert _visit(base_url, "/", query) == []


def test_the_docs_show_the_api_the_authorize_button_and_a_way_back(
    served: tuple[str, Settings],
) -> None:
    from playwright.sync_api import sync_playwright

    base_url, _ = served
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.add_init_script(WATCH_VIOLATIONS)
        page.goto(base_url + "/docs")
        page.wait_for_selector(".swagger-ui .opblock-tag")
        tags = page.locator(".opblock-tag").all_inner_texts()
        authorize = page.locator("button.authorize").count()
        violations = page.evaluate("window.__violations")
        page.click("#back-to-site")
        page.wait_for_url(base_url + "/")
        browser.close()
    assert violations == []
    assert authorize == 1
    assert any("证书 (certificates)" in tag for tag in tags)
