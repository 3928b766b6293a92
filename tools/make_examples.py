"""Write the sample files under examples/ that the README's commands use.

They are synthetic, made from a seed by certbridge.demo.examples; tests/test_readme.py
checks that the shipped files are exactly what it makes.

Usage:
    .venv/bin/python tools/make_examples.py
"""

from __future__ import annotations

from pathlib import Path

from certbridge.demo.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    folder = ROOT / "examples"
    folder.mkdir(exist_ok=True)
    for name, make in EXAMPLES.items():
        (folder / name).write_text(make(), "utf-8")
        print(f"wrote examples/{name}")


if __name__ == "__main__":
    main()
