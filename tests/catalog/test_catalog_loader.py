"""The loader checks cross references and names the file and entry at fault."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from certbridge.catalog import CatalogDataError, load_catalog, load_catalog_from

BUNDLED = Path(str(resources.files("certbridge.catalog") / "data"))

SMALL_TYPES = """
scheme = "{scheme}"
source = "test"
category_code = "category"

[[type]]
code = "{scheme}:99"
name_zh = "测试工种"
aliases = []
category = "99"
{extra}
"""


def _data_dir(tmp_path: Path, types: str | None = None) -> Path:
    target = tmp_path / "data"
    shutil.copytree(BUNDLED, target)
    if types is not None:
        (target / "types_test.toml").write_text(types, encoding="utf-8")
    return target


def test_the_bundled_catalogue_loads_once_and_is_cached() -> None:
    assert load_catalog() is load_catalog()
    assert len(load_catalog().schemes) == 5


def test_a_copy_of_the_data_loads_from_a_directory(tmp_path: Path) -> None:
    catalog = load_catalog_from(_data_dir(tmp_path))
    assert catalog.types.keys() == load_catalog().types.keys()


def test_a_small_valid_type_file_is_picked_up(tmp_path: Path) -> None:
    catalog = load_catalog_from(
        _data_dir(tmp_path, SMALL_TYPES.format(scheme="construction", extra=""))
    )
    assert catalog.resolve_type("测试工种").code == "construction:99"


def test_a_type_referring_to_an_unknown_scheme_is_refused(tmp_path: Path) -> None:
    directory = _data_dir(tmp_path, SMALL_TYPES.format(scheme="driving", extra=""))
    with pytest.raises(CatalogDataError, match="unknown scheme 'driving'") as caught:
        load_catalog_from(directory)
    assert caught.value.file == "types_test.toml"


def test_a_type_referring_to_an_unknown_occupation_is_refused(tmp_path: Path) -> None:
    extra = 'occupation = "9-99-99-99"'
    directory = _data_dir(tmp_path, SMALL_TYPES.format(scheme="construction", extra=extra))
    with pytest.raises(CatalogDataError) as caught:
        load_catalog_from(directory)
    assert caught.value.file == "types_test.toml"
    assert caught.value.entry == "[[type]] construction:99"
    assert "unknown occupation '9-99-99-99'" in str(caught.value)


def test_a_name_that_already_names_another_type_is_refused(tmp_path: Path) -> None:
    types = SMALL_TYPES.format(scheme="construction", extra="").replace(
        "aliases = []", 'aliases = ["建筑电工"]'
    )
    with pytest.raises(CatalogDataError, match="already names construction:01"):
        load_catalog_from(_data_dir(tmp_path, types))


def test_a_type_code_outside_its_scheme_is_refused(tmp_path: Path) -> None:
    types = SMALL_TYPES.format(scheme="construction", extra="").replace(
        'code = "construction:99"', 'code = "mem:99"'
    )
    with pytest.raises(CatalogDataError, match="must be ASCII and start with 'construction:'"):
        load_catalog_from(_data_dir(tmp_path, types))


def test_a_scheme_with_an_unknown_department_is_refused(tmp_path: Path) -> None:
    directory = _data_dir(tmp_path)
    schemes = directory / "schemes.toml"
    schemes.write_text(
        schemes.read_text(encoding="utf-8").replace('department = "samr"', 'department = "xx"'),
        encoding="utf-8",
    )
    with pytest.raises(CatalogDataError, match=r"schemes.toml: \[\[scheme\]\] special_equipment"):
        load_catalog_from(directory)


def test_broken_toml_and_missing_files_name_the_file(tmp_path: Path) -> None:
    directory = _data_dir(tmp_path, "scheme = ")
    with pytest.raises(CatalogDataError, match=r"types_test\.toml: -: invalid TOML"):
        load_catalog_from(directory)
    (directory / "types_test.toml").unlink()
    (directory / "levels.toml").unlink()
    with pytest.raises(CatalogDataError, match=r"levels\.toml: -: file is missing"):
        load_catalog_from(directory)


def test_every_unconfirmed_type_says_where_it_comes_from() -> None:
    for cert_type in load_catalog().types.values():
        if cert_type.unconfirmed:
            assert cert_type.source, cert_type.code
