"""Every page, as a phone (390 px) and a desktop (1280 px) show it in Debian chromium:
no accessibility violation that axe-core finds, nothing wider than a phone's screen, a
skip link and a visible focus, statuses told apart, and a verification page that prints."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from browser_support import launch
from certbridge.config import Settings
from certbridge.credentials import service as credentials
from certbridge.db import make_engine, make_session_factory
from certbridge.query.service import issue_verification_token
from certbridge.registry.models import Institution, InstitutionScope
from certbridge.registry.service import record_event
from support import TEST_KEYS, Registry

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 390, 1280


@dataclass(frozen=True)
class Seeded:
    name: str
    id_number: str
    token: str
    credential: str


def _seed(settings: Settings, key_dir: Path) -> Seeded:
    """A holder with certificates in several standings, a 焊工 institution, a QR token and
    a signed credential, all through the real services."""
    engine = make_engine(settings.resolved_database_url)
    session: Session = make_session_factory(engine)()
    registry = Registry(session, TEST_KEYS)
    person, id_number = registry.person("王建华")
    valid, _ = registry.certificate(person, id_number, "低压电工作业", issued=date(2024, 4, 1))
    registry.certificate(person, id_number, "电工", level=4, issued=date(2023, 9, 1))
    registry.certificate(person, id_number, "建筑电工", issued=date(2019, 5, 1))  # expired
    suspended, _ = registry.certificate(person, id_number, "高压电工作业", issued=date(2024, 5, 1))
    record_event(
        session, suspended, kind="suspended", effective_on=date(2025, 1, 6),
        actor="test", reason="违章作业",
    )  # fmt: skip
    revoked, _ = registry.certificate(
        person, id_number, "熔化焊接与热切割作业", issued=date(2024, 6, 1)
    )
    record_event(
        session, revoked, kind="revoked", effective_on=date(2025, 2, 3),
        actor="test", reason="以欺骗手段取得",
    )  # fmt: skip
    session.add(
        Institution(
            code="S000114000001",
            name="太原鸿运职业技能培训学校",
            kind="S",
            filing_code="0001",
            province_code="14",
            scopes=[InstitutionScope(occupation_code="6-18-02-04", level=4)],
        )
    )
    token = issue_verification_token(session, valid).token
    issuance = credentials.issuance_from(
        settings.model_copy(update={"data_dir": key_dir}), TEST_KEYS
    )
    credential = credentials.issue_credential(session, issuance, valid)
    session.commit()
    session.close()
    engine.dispose()
    return Seeded("王建华", id_number, token, json.dumps(credential, ensure_ascii=False))


@pytest.fixture
def site(served: tuple[str, Settings], tmp_path: Path) -> Iterator[tuple[str, Seeded]]:
    base_url, settings = served
    return base_url, _seed(settings, tmp_path / "keys")


def _pages(base: str, seeded: Seeded) -> dict[str, Callable[[Any], None]]:
    """How a person reaches each page: by link, or by filling its form."""

    def results(page: Any) -> None:
        page.goto(base + "/")
        page.fill("#person-form input[name=name]", seeded.name)
        page.fill("#person-form input[name=id_number]", seeded.id_number)
        page.click("#person-form button[type=submit]")
        page.wait_for_selector("#certificate-count")

    def refused(page: Any) -> None:
        page.goto(base + "/")
        page.fill("#person-form input[name=name]", seeded.name)
        page.fill("#person-form input[name=id_number]", seeded.id_number[:-1] + "0")
        page.click("#person-form button[type=submit]")
        page.wait_for_selector("[role=alert]")

    def credential_checked(page: Any) -> None:
        page.goto(base + "/credentials/verify")
        page.fill("#credential", seeded.credential)
        page.click("form[action='/credentials/verify'] button[type=submit]")
        page.wait_for_selector(".verdict")

    def recognition_answered(page: Any) -> None:
        page.goto(base + "/recognition")
        page.fill("#recognition-form input[name=name]", seeded.name)
        page.fill("#recognition-form input[name=id_number]", seeded.id_number)
        page.click("#recognition-form button[type=submit]")
        page.wait_for_selector("#recognition-answer")

    return {
        "首页": lambda page: page.goto(base + "/"),
        "查询结果": results,
        "查询被拒": refused,
        "评价机构（焊工）": lambda page: page.goto(base + "/institutions?q=焊工"),
        "评价机构（无结果）": lambda page: page.goto(base + "/institutions?q=没有这家机构"),
        "证书核验": lambda page: page.goto(f"{base}/v/{seeded.token}"),
        "数字证书核验": lambda page: page.goto(base + "/credentials/verify"),
        "数字证书核验结果": credential_checked,
        "我能免考什么": lambda page: page.goto(base + "/recognition"),
        "我能免考什么结果": recognition_answered,
        "错误页": lambda page: page.goto(base + "/no/such/page"),
    }


# Elements whose right edge passes the viewport (1 px of rounding allowed), and the page's
# own scroll width: what makes a phone scroll sideways.
_TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1 && !element.matches('.skip-link')) {
      wide.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') +
        (element.className && typeof element.className === 'string' ? '.' + element.className.split(' ').join('.') : '') +
        ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10)};
}"""


def _axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_page_passes_axe_core_with_no_violation(site: tuple[str, Seeded], width: int) -> None:
    from playwright.sync_api import sync_playwright

    base, seeded = site
    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": width, "height": 800})
        for title, reach in _pages(base, seeded).items():
            reach(page)
            violations = _axe_violations(page)
            if violations:
                found[title] = violations
        browser.close()
    assert found == {}


def test_no_page_is_wider_than_a_phone_screen(site: tuple[str, Seeded]) -> None:
    from playwright.sync_api import sync_playwright

    base, seeded = site
    too_wide: dict[str, Any] = {}
    heights: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": PHONE, "height": 800})
        for title, reach in _pages(base, seeded).items():
            reach(page)
            measured = page.evaluate(_TOO_WIDE)
            if measured["scroll"] > PHONE or measured["wide"]:
                too_wide[title] = measured
            heights[title] = page.evaluate("document.documentElement.scrollHeight")
        browser.close()
    assert too_wide == {}
    # One institution with a long name and its scope: a card, not a column one character wide.
    assert heights["评价机构（焊工）"] < 1400


def test_the_navigation_keeps_each_entry_on_one_line_on_a_phone(
    site: tuple[str, Seeded],
) -> None:
    from playwright.sync_api import sync_playwright

    base, _seeded = site
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": PHONE, "height": 800})
        page.goto(base + "/")
        entries = page.eval_on_selector_all(
            "header.site nav a",
            "links => links.map(a => [a.textContent, a.getClientRects().length,"
            " a.getBoundingClientRect().height, parseFloat(getComputedStyle(a).lineHeight)])",
        )
        placeholder = page.eval_on_selector(
            "#person-form input[name=id_number]",
            """input => {
              const style = getComputedStyle(input);
              const canvas = document.createElement('canvas').getContext('2d');
              canvas.font = style.fontSize + ' ' + style.fontFamily;
              const room = input.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
              return [canvas.measureText(input.placeholder).width, room];
            }""",
        )
        browser.close()
    assert "我能免考什么？" in [text for text, *_ in entries]
    for text, rects, height, line in entries:
        assert rects == 1, f"{text} is split over lines"
        assert height < 2 * line, f"{text} is split over lines"
    text_width, room = placeholder
    assert text_width <= room, "the ID-number placeholder is cut"


def test_a_keyboard_user_skips_to_the_content_and_sees_where_the_focus_is(
    site: tuple[str, Seeded],
) -> None:
    from playwright.sync_api import sync_playwright

    base, _seeded = site
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": PHONE, "height": 800})
        page.goto(base + "/")
        page.keyboard.press("Tab")
        skip = page.evaluate(
            """() => { const a = document.activeElement; const box = a.getBoundingClientRect();
                const style = getComputedStyle(a);
                return [a.textContent, box.top >= 0 && box.bottom <= innerHeight,
                        style.outlineStyle, parseFloat(style.outlineWidth)]; }"""
        )
        page.keyboard.press("Enter")
        focused_after = page.evaluate("document.activeElement.id")
        page.keyboard.press("Tab")
        next_outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        browser.close()
    text, on_screen, outline, outline_width = skip
    assert text == "跳到正文"
    assert on_screen
    assert outline != "none"
    assert outline_width >= 2
    assert focused_after == "main"
    assert next_outline[1] != "none"
    assert next_outline[2] >= 2


def test_statuses_differ_in_colour_icon_and_words(site: tuple[str, Seeded]) -> None:
    from playwright.sync_api import sync_playwright

    base, seeded = site
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": PHONE, "height": 800})
        _pages(base, seeded)["查询结果"](page)
        badges = page.eval_on_selector_all(
            ".cert .badge",
            """badges => badges.map(b => ({
                classes: b.className, words: b.innerText.trim(),
                colour: getComputedStyle(b).color, background: getComputedStyle(b).backgroundColor,
                icon: b.querySelector('svg') ? b.querySelector('svg').innerHTML : ''}))""",
        )
        browser.close()
    by_status: dict[str, dict[str, str]] = {}
    for badge in badges:
        code = next(c for c in badge["classes"].split() if c.startswith("status-"))
        by_status[code] = badge
    assert set(by_status) == {
        "status-valid",
        "status-expired",
        "status-suspended",
        "status-revoked",
    }
    for field in ("words", "colour", "background", "icon"):
        values = [badge[field] for badge in by_status.values()]
        assert len(set(values)) == len(values), f"two statuses share a {field}"


def test_the_verification_page_prints_the_verdict_and_the_link_without_the_site_chrome(
    site: tuple[str, Seeded],
) -> None:
    from playwright.sync_api import sync_playwright

    base, seeded = site
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": DESKTOP, "height": 800})
        page.goto(f"{base}/v/{seeded.token}")
        on_screen = page.is_visible(".print-only")
        page.emulate_media(media="print")
        shown = {
            selector: page.is_visible(selector)
            for selector in (
                "header.site nav",
                "footer",
                ".actions",
                ".verdict",
                ".cert",
                ".print-only",
            )
        }
        printed_url = page.inner_text(".print-only")
        browser.close()
    assert not on_screen
    assert shown == {
        "header.site nav": False,
        "footer": False,
        ".actions": False,
        ".verdict": True,
        ".cert": True,
        ".print-only": True,
    }
    assert f"/v/{seeded.token}" in printed_url


def test_a_result_opens_its_verification_page_qr_code_and_what_the_holder_may_skip(
    site: tuple[str, Seeded],
) -> None:
    """From the results page: the certificate's /v/ page, its QR code, its PDF while it
    counts (not for a suspended one), and 我能免考什么？ for the same holder without
    typing the ID number again, which never appears in clear in the results page."""
    from playwright.sync_api import sync_playwright

    base, seeded = site
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": PHONE, "height": 800})
        _pages(base, seeded)["查询结果"](page)
        results_html = page.content()
        valid = page.locator("article.cert.status-valid").first
        suspended = page.locator("article.cert.status-suspended").first
        suspended_links = suspended.locator(".cert-links a").all_inner_texts()
        qr = page.request.get(base + valid.get_by_role("link", name="二维码").get_attribute("href"))
        valid.get_by_role("link", name="核验页").click()
        page.wait_for_selector(".verdict")
        verdict = page.inner_text(".verdict")
        # Answers to the query form are no-store: the way back is the form, not the cache.
        _pages(base, seeded)["查询结果"](page)
        page.click("#recognition-handoff button")
        page.wait_for_selector("#recognition-answer")
        answer = page.inner_text("#recognition-answer")
        browser.close()
    assert seeded.id_number not in results_html
    assert "下载证书（PDF）" not in suspended_links
    assert "核验页" in suspended_links
    assert qr.status == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    assert "该证书真实有效" in verdict
    assert seeded.name in answer
