"""The README stays true: its sample holder exists in the `make run` demo, and every
setting is documented."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from certbridge.catalog import load_catalog
from certbridge.config import Settings
from certbridge.demo.plan import plan_demo

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
MAKEFILE = (ROOT / "Makefile").read_text("utf-8")


def _make_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*\?=\s*(\S+)", MAKEFILE, re.MULTILINE)
    assert match, f"{name} missing from the Makefile"
    return match.group(1)


def test_the_readme_sample_holder_is_in_the_make_run_demo() -> None:
    name, id_number = re.search(r"name=(\S+)' --data-urlencode 'id_number=(\w+)'", README).groups()  # type: ignore[union-attr]
    _, people = plan_demo(
        load_catalog(),
        people=int(_make_variable("DEMO_PEOPLE")),
        seed=int(_make_variable("DEMO_SEED")),
        anchor=date.fromisoformat(_make_variable("DEMO_ANCHOR")),
    )
    holder = next(p for p in people if p.id_number == id_number)
    assert holder.name == name
    numbers = re.search(r"query --number (\S+) --name (\S+)", README).groups()  # type: ignore[union-attr]
    assert numbers[0] in [c.number for c in holder.certificates]
    assert numbers[1] == name


def test_every_setting_is_documented_in_the_readme() -> None:
    for field in Settings.model_fields:
        assert f"CERTBRIDGE_{field.upper()}" in README, field
