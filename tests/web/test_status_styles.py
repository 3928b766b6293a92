"""Each status code has its own words, colour and icon, and every status colour reads at
4.5:1 or better against its background (WCAG AA), including the new `cancelled` (注销)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

import certbridge.web

WEB = Path(certbridge.web.__file__).parent
CSS = (WEB / "static" / "site.css").read_text("utf-8")
CODES = ("valid", "review_due", "expired", "suspended", "revoked", "cancelled")


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _variable(name: str) -> str:
    found = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)
    assert found, f"--{name} is not defined in site.css"
    return found[1]


def test_the_contrast_formula_matches_wcag_reference_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#1a7f37", "#e6f4ea"), 2) == 4.47  # the old 有效 badge


def test_every_status_colour_pair_reads_at_4_5_to_1_and_differs_from_the_others() -> None:
    pairs = {code: (_variable(f"{code}-fg"), _variable(f"{code}-bg")) for code in CODES}
    for code, (foreground, background) in pairs.items():
        assert contrast(foreground, background) >= 4.5, code
        assert contrast(foreground, "#ffffff") >= 4.5, code  # the card's left border and text
        assert f".status-{code}" in CSS
    assert len({fg for fg, _ in pairs.values()}) == len(CODES)
    assert len({bg for _, bg in pairs.values()}) == len(CODES)


def test_every_status_has_its_own_icon_and_its_words() -> None:
    templates = Environment(loader=FileSystemLoader(WEB / "templates"), autoescape=True)
    macros = templates.get_template("_status.html").module
    icons = {}
    for code in CODES:
        badge = str(macros.status_badge({"code": code, "label": f"词{code}"}))  # type: ignore[attr-defined]
        assert f'class="badge status-{code}"' in badge
        assert f"词{code}" in badge
        assert 'aria-hidden="true"' in badge
        icons[code] = re.search(r"<svg[^>]*>(.*)</svg>", badge, re.DOTALL)[1]  # type: ignore[index]
    assert len(set(icons.values())) == len(CODES)
