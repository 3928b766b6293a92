"""Rejected rows as a CSV for people: open it in a spreadsheet, fix the rows, import it
again. Files for people are neutralised against formula injection (OWASP): a cell that
starts like a formula gets a leading ' and every cell is quoted; the importer drops that
' again (readers.unguard). Exports for other systems (export.py) stay verbatim."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO, Any

from certbridge.exchange.readers import FORMULA_TRIGGERS


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    return "'" + cell if cell and cell[0] in FORMULA_TRIGGERS else cell


def rejected_records(
    header: list[str], rows: Iterable[tuple[int, dict[str, Any], str]]
) -> Iterator[list[str]]:
    """The original columns, then 原行号 and 错误原因."""
    yield [neutralise(h) for h in (*header, "原行号", "错误原因")]
    for number, raw, reasons in rows:
        cells = ["" if raw.get(h) is None else str(raw.get(h)) for h in header]
        yield [neutralise(c) for c in (*cells, str(number), reasons)]


def write_rejected_csv(
    out: IO[str], header: list[str], rows: Iterable[tuple[int, dict[str, Any], str]]
) -> None:
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows(rejected_records(header, rows))
