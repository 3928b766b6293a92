"""Fuzzing the readers with small limits: any file gives rows or a clean InputError, never
another exception, and what is read stays within the limits (memory included)."""

from __future__ import annotations

import json
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certbridge.config import Settings
from certbridge.errors import InputError
from certbridge.exchange.profile import load_profile
from certbridge.exchange.readers import KEEP_CHARS, Limits, inspect_file, open_table
from certbridge.exchange.service import limits_from
from workbooks import write_workbook

# Small limits, set the way an operator sets them.
LIMITS = limits_from(
    Settings(
        import_max_line_chars=512,
        import_max_field_chars=64,
        import_max_columns=16,
        import_max_cells=2_000,
        import_max_json_depth=8,
        import_max_number_digits=20,
        import_max_xlsx_bytes=300_000,
    )
)
HEADER = "姓名,证件号码,证书编号,证书类型,职业技能等级,发证机关,发证日期,有效期至,状态"
MEMORY = 16 << 20  # far above what the limits need, far below what unbounded reads take
FUZZ = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)

_pieces = st.sampled_from(
    [",", '"', "'", "\n", "\r\n", "\r", "=", "-", "@", "\t", "\x00", " ", "姓名", "张三",
     "140105198001011234", "T", "{", "}", "[", "]", "9", "x" * 100, "y" * 700, "\ufeff"]
)  # fmt: skip


def _read_all(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read a file the way an import does; InputError is an allowed answer."""
    tracemalloc.start()
    try:
        try:
            source = inspect_file(path, limits=LIMITS)
            rows = list(open_table(source, load_profile("standard"), limits=LIMITS).rows)
        except InputError:
            rows = []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY
    for _number, row in rows:
        _assert_bounded(row)
    return rows


def _assert_bounded(row: dict[str, Any]) -> None:
    longest = max(LIMITS.field_chars, KEEP_CHARS + 40)
    for key, value in row.items():
        if key == "_problems":
            continue
        if key == "_extra":
            assert len(value) <= LIMITS.columns
            value = " ".join(str(v) for v in value if isinstance(v, str))
        if isinstance(value, str):
            assert len(value) <= longest, key


def _write(suffix: str, data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="certbridge-fuzz-"))
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return path


@FUZZ
@given(
    st.booleans(),
    st.lists(_pieces, max_size=200).map("".join),
    st.sampled_from(["utf-8", "gb18030"]),
)
def test_any_csv_gives_rows_or_a_clean_refusal(header: bool, body: str, encoding: str) -> None:
    text = (HEADER + "\n" if header else "") + body
    _read_all(_write(".csv", text.encode(encoding, errors="replace")))


@FUZZ
@given(st.binary(max_size=2_000))
def test_any_bytes_as_csv_or_jsonl_give_rows_or_a_clean_refusal(data: bytes) -> None:
    _read_all(_write(".csv", data))
    _read_all(_write(".jsonl", data))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)  # fmt: skip
_json_lines = st.one_of(
    _json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.integers(min_value=1, max_value=600).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=200).map(lambda n: '{"姓名": ' + "9" * n + "}"),
    st.lists(_pieces, max_size=40).map("".join),
)


@FUZZ
@given(st.lists(_json_lines, max_size=12))
def test_any_json_lines_give_rows_or_a_clean_refusal(lines: list[str]) -> None:
    first = json.dumps(dict.fromkeys(HEADER.split(","), "x"), ensure_ascii=False)
    _read_all(_write(".jsonl", "\n".join([first, *lines]).encode()))


_cells = st.one_of(
    st.text(max_size=100),
    st.integers(min_value=1, max_value=300).map(lambda n: ("n", "9" * n)),
    st.integers(min_value=0, max_value=3).map(lambda n: ("s", str(n))),
    st.just(("n", "1e999")),
    st.just(("n", "abc")),
)


def _workbook(rows: list[list[Any]], shared: list[str], extra_rows: str = "") -> bytes:
    folder = Path(tempfile.mkdtemp(prefix="certbridge-fuzz-"))
    return write_workbook(folder / "w.xlsx", rows, shared, extra_rows).read_bytes()


@FUZZ
@given(
    st.lists(st.lists(_cells, max_size=24), max_size=30),
    st.lists(st.text(max_size=40) | st.just("z" * 5_000), max_size=3),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
)
def test_any_workbook_gives_rows_or_a_clean_refusal(
    rows: list[list[Any]], shared: list[str], flips: list[tuple[int, int]]
) -> None:
    data = bytearray(_workbook([HEADER.split(","), *rows], shared))
    for position, value in flips:  # a broken byte or two, anywhere
        data[position % len(data)] = value
    _read_all(_write(".xlsx", bytes(data)))


def test_a_sheet_of_a_million_empty_rows_and_a_far_cell_stops_at_the_cell_limit() -> None:
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = _write(".xlsx", _workbook([HEADER.split(",")], [], far))
    source = inspect_file(path, limits=LIMITS)
    with pytest.raises(InputError) as stopped:
        list(open_table(source, load_profile("standard"), limits=LIMITS).rows)
    assert stopped.value.code == "file.too_many_cells"


def test_the_readers_default_limits_are_the_settings_defaults() -> None:
    assert limits_from(Settings()) == Limits()
