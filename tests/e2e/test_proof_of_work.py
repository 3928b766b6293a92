"""The browser solves the proof-of-work challenge invisibly and the form carries the
solution; the server gives the raised budget (issue 11.12)."""

from __future__ import annotations

import base64
import json
from datetime import date
from urllib.parse import parse_qs

import pytest
from sqlalchemy.orm import Session

from browser_support import launch
from certbridge.config import Settings
from certbridge.db import make_engine, make_session_factory
from certbridge.http.humancheck import PASS_COOKIE
from support import TEST_KEYS, Registry

pytestmark = pytest.mark.browser


def _seed_holder(settings: Settings) -> str:
    engine = make_engine(settings.resolved_database_url)
    session: Session = make_session_factory(engine)()
    registry = Registry(session, TEST_KEYS)
    person, id_number = registry.person("王建华")
    registry.certificate(person, id_number, "低压电工作业", issued=date(2024, 4, 1))
    session.commit()
    session.close()
    engine.dispose()
    return id_number


def test_the_query_form_is_sent_with_a_solution_the_server_accepts(
    served: tuple[str, Settings],
) -> None:
    from playwright.sync_api import sync_playwright

    base_url, settings = served
    id_number = _seed_holder(settings)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(base_url + "/")
        # Nothing to click: the page solves in a Web Worker and fills the hidden fields.
        page.wait_for_selector("html[data-human-check=solved]", timeout=60_000)
        page.fill("#person-form input[name=name]", "王建华")
        page.fill("#person-form input[name=id_number]", id_number)
        with page.expect_request(lambda r: r.url.endswith("/query")) as sent:
            page.click("#person-form button[type=submit]")
        form = parse_qs(sent.value.post_data or "")
        page.wait_for_selector("#certificate-count")
        count = page.inner_text("#certificate-count")
        cookies = {c["name"]: c for c in page.context.cookies()}
        browser.close()
    payload = json.loads(base64.b64decode(form["altcha"][0]))
    assert payload["challenge"]["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert payload["solution"]["derivedKey"].startswith(
        payload["challenge"]["parameters"]["keyPrefix"]
    )
    assert count == "1"
    # The server accepted the solution: the raised budget's pass came back.
    assert PASS_COOKIE in cookies
    assert cookies[PASS_COOKIE]["httpOnly"] is True


def test_without_javascript_the_form_still_answers(served: tuple[str, Settings]) -> None:
    from playwright.sync_api import sync_playwright

    base_url, settings = served
    id_number = _seed_holder(settings)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(base_url + "/")
        page.fill("#person-form input[name=name]", "王建华")
        page.fill("#person-form input[name=id_number]", id_number)
        page.click("#person-form button[type=submit]")
        page.wait_for_selector("#certificate-count")
        count = page.inner_text("#certificate-count")
        cookies = [c["name"] for c in context.cookies()]
        browser.close()
    assert count == "1"
    assert PASS_COOKIE not in cookies
