"""Import a synthetic `standard`-profile CSV with `certbridge import` (full validation and
reconciliation) and load the same file with `sqlite-utils insert --csv`, in one run.

    .venv/bin/python bench/import_vs_sqlite_utils.py --rows 1000000

Prints rows per second of both, the ratio, and the import's peak memory (max RSS).
All data is synthetic: ID numbers are generated with valid check characters.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from certbridge.catalog import add_years, load_catalog
from certbridge.identity import county_codes, make_id_number

HEADER = [
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
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"


def generate(path: Path, rows: int) -> None:
    """Unique holders; two in three hold a 特种作业 card, one in three a skill-level one."""
    provinces = load_catalog().provinces
    counties = [c for c in county_codes() if c[:2] in provinces]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            county = counties[i % len(counties)]
            birth = date(1966, 1, 1) + timedelta(days=(i // len(counties)) % 12_000)
            id_number = make_id_number(county, birth, (i // (len(counties) * 12_000)) % 1000)
            name = SURNAMES[i % 20] + GIVEN[(i // 20) % 26] + GIVEN[(i // 520) % 26]
            issued = date(2021, 1, 1) + timedelta(days=i % 1500)
            province = provinces[county[:2]]
            if i % 3:
                writer.writerow([name, id_number, "T" + id_number, "低压电工作业", "",
                                 f"{province.name_zh}应急管理厅", issued.isoformat(),
                                 add_years(issued, 6).isoformat(), ""])  # fmt: skip
            else:
                number = f"S0001{county[:2]}000001{issued.year % 100:02d}4{i % 999_999 + 1:06d}"
                writer.writerow([name, id_number, number, "电工", "四级/中级工",
                                 f"{province.name_zh}人力资源和社会保障厅", issued.isoformat(),
                                 "", "有效"])  # fmt: skip


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the CSV and databases in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="certbridge-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"standard_{args.rows}.csv"
    if not source.exists():
        generate(source, args.rows)
    bin_dir = Path(sys.executable).parent
    env = os.environ | {
        "CERTBRIDGE_DATABASE_URL": f"sqlite:///{folder / 'certbridge.sqlite3'}",
        "CERTBRIDGE_HASH_KEY": "bench-hash-key-0123456789abcdef0123",
        "CERTBRIDGE_SEAL_KEY": "bench-seal-key-0123456789abcdef0123",
    }
    for stale in folder.glob("*.sqlite3*"):
        stale.unlink()
    subprocess.run([str(bin_dir / "certbridge"), "db", "upgrade"], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    ours = timed([str(bin_dir / "certbridge"), "exchange", "import", "--profile", "standard",
                  "--json", str(source)], env)  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    theirs = timed([str(bin_dir / "sqlite-utils"), "insert", str(folder / "peer.sqlite3"),
                    "rows", str(source), "--csv"], env)  # fmt: skip
    print(f"rows:                        {args.rows:,}")
    print(f"certbridge import:           {ours:8.1f} s  {args.rows / ours:10,.0f} rows/s")
    print(f"sqlite-utils insert --csv:   {theirs:8.1f} s  {args.rows / theirs:10,.0f} rows/s")
    print(f"ratio (certbridge / peer):   {theirs / ours:8.2f}x  (goal: 10x)")
    print(f"certbridge peak memory:      {peak_mb:8.0f} MB (max RSS, goal: < 500 MB)")


if __name__ == "__main__":
    main()
