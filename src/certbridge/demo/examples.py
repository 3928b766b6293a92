"""The sample files under examples/ that the README's commands use, made from a seed.

Synthetic like the rest of the demo: holders born on dates and in places the `make run`
demo does not draw together, so the import file adds new holders and imports cleanly
against that demo. `tools/make_examples.py` writes them; a test checks that the shipped
files are what this module makes."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date

from certbridge.demo.names import random_name
from certbridge.identity import make_id_number

SEED = 20260116
# 应急管理 福建 (the README imports with --department mem --province 35).
IMPORT_ROWS = (
    ("350102", date(1986, 3, 14), "低压电工作业", date(2024, 5, 20)),
    ("350203", date(1990, 7, 2), "熔化焊接与热切割作业", date(2023, 11, 8)),
    ("350503", date(1979, 12, 25), "高压电工作业", date(2025, 4, 16)),
    ("350782", date(1995, 1, 9), "登高架设作业", date(2025, 9, 1)),
)
STANDARD_HEADER = (
    "姓名",
    "证件号码",
    "证书编号",
    "证书类型",
    "职业技能等级",
    "发证机关",
    "发证日期",
    "有效期至",
    "状态",
)


def _import_rows() -> list[tuple[str, ...]]:
    rng = random.Random(SEED)
    rows: list[tuple[str, ...]] = []
    # Sequence numbers above the demo's range of a few hundred per day and place.
    for index, (address, birth, type_name, issued) in enumerate(IMPORT_ROWS):
        id_number = make_id_number(address, birth, 901 + 2 * index)
        until = issued.replace(year=issued.year + 6)
        rows.append(
            (
                random_name(rng),
                id_number,
                "T" + id_number,
                type_name,
                "",
                "福建省应急管理厅",
                issued.isoformat(),
                until.isoformat(),
                "有效",
            )
        )
    return rows


def _csv(rows: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STANDARD_HEADER)
    writer.writerows(rows)
    return out.getvalue()


def import_csv() -> str:
    """examples/import-standard.csv: new 特种作业操作证 holders in the standard format."""
    return _csv(_import_rows())


def name_conflict_csv() -> str:
    """examples/import-name-conflict.csv: the first holder of import-standard.csv under
    another name, so that importing it after that file opens a 姓名冲突 to resolve."""
    name, *rest = _import_rows()[0]
    surname = "陈" if name.startswith("林") else "林"
    return _csv([(surname + name[1:], *rest)])


def recognition_case() -> str:
    """examples/recognition-case.json: a welder of 福建 asking about 建筑焊工, for
    `certbridge recognize` (the POST /api/v1/recognition/evaluate body; no personal data):
    exemptions, a deemed 焊工 五级, 四级 open, and one expired certificate."""
    case = {
        "as_of": "2026-11-29",
        "certificates": [
            {
                "type": "熔化焊接与热切割作业",
                "level": None,
                "issued": "2023-04-12",
                "valid_until": "2029-04-12",
                "status": "valid",
            },
            {
                "type": "低压电工作业",
                "level": None,
                "issued": "2017-09-01",
                "valid_until": "2023-09-01",
                "status": "valid",
            },
        ],
        "experience_years": {"6-18-02-04": 5},
        "education": "高中",
        "apprenticeship": False,
        "target": "建筑焊工",
        "province": "35",
    }
    return json.dumps(case, ensure_ascii=False, indent=2) + "\n"


EXAMPLES = {
    "import-standard.csv": import_csv,
    "import-name-conflict.csv": name_conflict_csv,
    "recognition-case.json": recognition_case,
}
