"""Import profiles: one TOML file per source format in `profiles/`. Pure.

A profile names the columns as a department really labels them (several spellings per
field), which fields are required, the code table of the status column, and the
department and schemes it is for. A new province's format is a new file, not code.
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from certbridge.errors import InputError

Kind = Literal["certificates", "status"]
CERTIFICATE_FIELDS = (
    "name",
    "id_number",
    "number",
    "type",
    "category",
    "level",
    "issuer",
    "issued_on",
    "valid_until",
    "status",
    "employer",
)
STATUS_FIELDS = ("number", "type", "name", "action", "effective_on", "reason")
DEPARTMENTS = ("mohrss", "mem", "mohurd", "samr")


class ProfileDataError(Exception):
    """A shipped profile file is inconsistent (a bug in the data, not in the input)."""


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]
    required: bool

    @property
    def label(self) -> str:
        """The header written on export: the first spelling."""
        return self.headers[0]


@dataclass(frozen=True)
class Profile:
    code: str
    name_zh: str
    kind: Kind
    department: str | None  # None: any department (the standard profile)
    schemes: tuple[str, ...]  # empty: every scheme of the department
    delimiter: str
    columns: tuple[Column, ...]
    codes: MappingProxyType[str, str]  # status (certificates) or action (status lists)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)

    def code_for(self, text: str) -> str | None:
        return self.codes.get(normalize_header(text))


def normalize_header(text: object) -> str:
    """NFKC, no whitespace, no BOM, no asterisk marking a required column."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "\ufeff*")


def _parse(code: str, data: dict[str, Any]) -> Profile:
    kind = data.get("kind")
    if kind not in ("certificates", "status"):
        raise ProfileDataError(f"{code}: kind must be certificates or status")
    allowed = CERTIFICATE_FIELDS if kind == "certificates" else STATUS_FIELDS
    columns = []
    for entry in data.get("column", []):
        field = entry["field"]
        if field not in allowed:
            raise ProfileDataError(f"{code}: unknown field {field!r}")
        headers = tuple(str(h) for h in entry["headers"])
        if not headers:
            raise ProfileDataError(f"{code}: field {field!r} has no header")
        columns.append(Column(field, headers, bool(entry.get("required", False))))
    department = data.get("department") or None
    if department is not None and department not in DEPARTMENTS:
        raise ProfileDataError(f"{code}: unknown department {department!r}")
    codes = {normalize_header(k): str(v) for k, v in data.get("codes", {}).items()}
    return Profile(
        code=code,
        name_zh=str(data["name_zh"]),
        kind=kind,
        department=department,
        schemes=tuple(data.get("schemes", ())),
        delimiter=str(data.get("delimiter", ",")),
        columns=tuple(columns),
        codes=MappingProxyType(codes),
    )


@functools.cache
def all_profiles() -> MappingProxyType[str, Profile]:
    found: dict[str, Profile] = {}
    folder = resources.files("certbridge.exchange").joinpath("profiles")
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".toml"):
            code = item.name.removesuffix(".toml")
            found[code] = _parse(code, tomllib.loads(item.read_text(encoding="utf-8")))
    return MappingProxyType(found)


def load_profile(code: str) -> Profile:
    try:
        return all_profiles()[code]
    except KeyError:
        known = "、".join(all_profiles())
        raise InputError(
            "profile.unknown", f"未知的导入格式“{code}”，可选：{known}", field="profile"
        ) from None
