"""Synthetic department files for the exchange tests."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from certbridge.catalog import add_years, generate_number
from certbridge.identity import make_id_number
from workbooks import Cell, write_workbook

STANDARD_HEADER = [
    "姓名",
    "证件号码",
    "证书编号",
    "证书类型",
    "职业技能等级",
    "发证机关",
    "发证日期",
    "有效期至",
    "状态",
]
NAMES = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏")


def person(index: int) -> tuple[str, str]:
    """A synthetic holder: (name, ID number), in 山西 (address 140105)."""
    birth = date(1970 + index % 30, 1 + index % 12, 1 + index % 28)
    return NAMES[index % len(NAMES)], make_id_number("140105", birth, index % 1000)


def special_operation_row(index: int, issued: date = date(2022, 3, 1)) -> list[str]:
    name, id_number = person(index)
    return [
        name,
        id_number,
        "T" + id_number,
        "低压电工作业",
        "",
        "山西省应急管理厅",
        issued.isoformat(),
        add_years(issued, 6).isoformat(),
        "",
    ]


def skill_row(index: int, level: int = 4, issued: date = date(2023, 5, 6)) -> list[str]:
    name, id_number = person(index)
    number = generate_number(
        "skill_level",
        random.Random(index),
        level=level,
        year=issued.year,
        province_code="14",
        serial=index % 999_999 + 1,
    )
    return [name, id_number, number, "电工", "四级/中级工", "", issued.isoformat(), "", "有效"]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", header=None) -> Path:  # type: ignore[no-untyped-def]
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header or STANDARD_HEADER)
        writer.writerows(rows)
    return path


class Files:
    """Row builders and file writers, handed to tests as the `files` fixture."""

    header = STANDARD_HEADER
    person = staticmethod(person)
    special_operation_row = staticmethod(special_operation_row)
    skill_row = staticmethod(skill_row)

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count = 0

    def path(self, suffix: str) -> Path:
        self._count += 1
        return self.folder / f"batch{self._count}{suffix}"

    def csv(self, rows: list[list[str]], **kwargs: object) -> Path:
        return write_csv(self.path(".csv"), rows, **kwargs)  # type: ignore[arg-type]

    def xlsx(self, rows: list[list[Cell]], shared: list[str] | None = None) -> Path:
        return write_workbook(self.path(".xlsx"), rows, shared)


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Kept originals (and anything else under the data dir) stay in the test's folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CERTBRIDGE_DATA_DIR", str(folder))
    return folder
