"""The credential check page in chromium on a phone-sized screen: paste, submit, read the
verdict; and from a /v/… page, the credential link opens the form already filled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from browser_support import launch
from certbridge.config import Settings
from certbridge.credentials import service
from certbridge.credentials.settings import get_credential_settings
from certbridge.db import make_engine, make_session_factory
from support import TEST_KEYS, Registry

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDEST = "document.documentElement.scrollWidth"


@pytest.fixture(autouse=True)
def key_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "keys"
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(directory))
    get_credential_settings.cache_clear()
    yield directory
    get_credential_settings.cache_clear()


def _seed(settings: Settings) -> tuple[dict[str, Any], str]:
    """A credential issued for a synthetic holder, and the certificate's /v/ token."""
    engine = make_engine(settings.resolved_database_url)
    session: Session = make_session_factory(engine)()
    registry = Registry(session, TEST_KEYS)
    person, id_number = registry.person("王建华")
    certificate, _ = registry.certificate(
        person, id_number, "电工", level=4, issued=date(2023, 9, 1)
    )
    session.commit()
    credential = service.issue_credential(
        session, service.issuance_from(settings, TEST_KEYS), certificate
    )
    token = service.verification_token(session, certificate).token
    session.commit()
    session.close()
    engine.dispose()
    return credential, token


def _watch(page: Any, problems: list[str]) -> None:
    """Script errors, and any file of ours the page could not load (the browser asks for
    /favicon.ico on its own; the site has none)."""
    page.on("pageerror", lambda error: problems.append(str(error)))

    def failed(response: Any) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("response", failed)


def test_a_person_pastes_a_credential_on_a_phone_and_reads_the_verdict(
    served: tuple[str, Settings],
) -> None:
    from playwright.sync_api import sync_playwright

    base_url, settings = served
    credential, _token = _seed(settings)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=PHONE)
        _watch(page, problems)
        page.goto(base_url + "/credentials/verify")
        assert page.evaluate(WIDEST) <= PHONE["width"]
        page.fill("#credential", json.dumps(credential, ensure_ascii=False, indent=2))
        page.click("form button[type=submit]")
        page.wait_for_selector("#verdict")
        verdict = page.inner_text("#verdict")
        widest = page.evaluate(WIDEST)
        kept = page.input_value("#credential")
        browser.close()
    assert "核验通过" in verdict
    assert "王*华" in verdict
    assert "王建华" not in verdict
    assert credential["issuer"]["name"] in verdict
    assert "北京时间" in verdict
    assert "eddsa" not in verdict
    assert "Ed25519" not in verdict
    assert widest <= PHONE["width"]
    assert json.loads(kept)["id"] == credential["id"]
    assert problems == []


def test_the_verification_pages_credential_link_opens_the_form_filled(
    served: tuple[str, Settings],
) -> None:
    from playwright.sync_api import sync_playwright

    base_url, settings = served
    _credential, token = _seed(settings)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=PHONE)
        _watch(page, problems)
        page.goto(f"{base_url}/v/{token}")
        page.click("#credential-link")
        page.wait_for_selector("#loaded")
        loaded = json.loads(page.input_value("#credential"))
        page.click("form button[type=submit]")
        page.wait_for_selector("#verdict")
        verdict = page.inner_text("#verdict")
        widest = page.evaluate(WIDEST)
        browser.close()
    assert "OpenBadgeCredential" in loaded["type"]
    assert "核验通过" in verdict
    assert widest <= PHONE["width"]
    assert problems == []
