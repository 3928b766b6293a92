"""Load the catalogue from TOML data, check cross references, serve look-ups."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from certbridge.catalog.levels import level_keys, normalize_level_text
from certbridge.catalog.model import (
    NUMBER_FORMATS,
    STANDING_WORDS,
    CertificateType,
    Department,
    IssueRules,
    Level,
    Occupation,
    Province,
    Scheme,
    StatusWords,
    ValidityRule,
)
from certbridge.errors import InputError

_NAME_SUFFIXES = ("操作资格证书", "操作证", "证书", "证")
_SIGNED_NUMBER = re.compile(r"\s*[-+\u2212]\s*\d")
_VALIDITY_INT_KEYS = (
    "validity_years",
    "review_interval_years",
    "review_interval_years_after_clean",
    "clean_years_for_longer_interval",
    "review_window_days",
    "extension_years",
    "extension_window_days",
)


class CatalogDataError(Exception):
    """The bundled (or given) catalogue data is inconsistent."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: {entry}: {problem}")
        self.file = file
        self.entry = entry
        self.problem = problem


def normalize_type_text(text: str) -> str:
    """NFKC (full-width -> half-width), no whitespace, case-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace())


class Catalog:
    """Read-only catalogue: departments, schemes, occupations, levels, types."""

    def __init__(
        self,
        *,
        departments: Mapping[str, Department],
        schemes: Mapping[str, Scheme],
        occupations: Mapping[str, Occupation],
        levels: Mapping[int, Level],
        provinces: Mapping[str, Province],
        types: Mapping[str, CertificateType],
        type_index: Mapping[str, str],
        level_index: Mapping[str, int],
    ) -> None:
        self.departments = MappingProxyType(dict(departments))
        self.schemes = MappingProxyType(dict(schemes))
        self.occupations = MappingProxyType(dict(occupations))
        self.levels = MappingProxyType(dict(levels))
        self.provinces = MappingProxyType(dict(provinces))
        self.types = MappingProxyType(dict(types))
        self._type_index = dict(type_index)
        self._level_index = dict(level_index)
        self._by_abbreviation = {p.abbreviation: p for p in provinces.values()}
        self._skill_types = {
            (t.scheme, t.occupation): t for t in types.values() if t.requires_level
        }

    def scheme(self, code: str) -> Scheme:
        try:
            return self.schemes[code]
        except KeyError:
            known = "、".join(self.schemes)
            raise InputError(
                "catalog.unknown_scheme", f"未知的证书体系“{code}”，可选：{known}", field="scheme"
            ) from None

    def occupation(self, code: str) -> Occupation:
        try:
            return self.occupations[code.strip()]
        except KeyError:
            raise InputError(
                "catalog.unknown_occupation",
                f"职业编码“{code}”不在本目录中（应为职业分类大典编码，如6-31-01-03）",
                field="occupation",
            ) from None

    def province_by_abbreviation(self, abbreviation: str) -> Province | None:
        return self._by_abbreviation.get(abbreviation)

    def types_of_scheme(self, scheme_code: str) -> tuple[CertificateType, ...]:
        self.scheme(scheme_code)
        return tuple(t for t in self.types.values() if t.scheme == scheme_code)

    def resolve_type(self, text: str) -> CertificateType:
        """Find a type by code, Chinese name or alias."""
        key = normalize_type_text(text)
        code = self._type_index.get(key) or self._type_index.get(_strip_suffix(key))
        if code is not None:
            return self.types[code]
        raise InputError(
            "catalog.unknown_type", self._unknown_type_message(text, key), field="type"
        )

    def _unknown_type_message(self, text: str, key: str) -> str:
        suggestions = self.suggest_types(key)
        message = f"未知的证书类型“{text.strip()}”"
        if not suggestions:
            return message + "，请填写证书上的工种或作业项目名称"
        names = "、".join(f"{t.name_zh}（{self.schemes[t.scheme].name_zh}）" for t in suggestions)
        return f"{message}，您是否要找：{names}"

    def suggest_types(self, text: str, limit: int = 5) -> tuple[CertificateType, ...]:
        """Types whose names or aliases look like `text`, best first."""
        key = _strip_suffix(normalize_type_text(text))
        if not key:
            return ()
        contained = [k for k in self._type_index if len(key) >= 2 and (key in k or k in key)]
        close = difflib.get_close_matches(key, list(self._type_index), n=limit * 3, cutoff=0.5)
        codes = dict.fromkeys(self._type_index[k] for k in [*close, *contained])
        return tuple(self.types[c] for c in list(codes)[:limit])

    def resolve_level(self, text: str | int) -> Level:
        if _SIGNED_NUMBER.match(unicodedata.normalize("NFKC", str(text))):
            # "-1" would otherwise lose its sign with the separators and read as 一级.
            raise InputError(
                "certificate.level_range",
                f"等级“{text}”不存在：职业技能等级为1（一级/高级技师）至5（五级/初级工）",
                field="level",
            )
        number = self._level_index.get(normalize_level_text(str(text)))
        if number is None:
            labels = "、".join(level.label for level in self.levels.values())
            raise InputError(
                "catalog.unknown_level",
                f"无法识别的等级“{text}”，可填写：{labels}（或数字1-5）",
                field="level",
            )
        return self.levels[number]

    def skill_type_for(self, scheme_code: str, occupation_code: str) -> CertificateType:
        """The occupation × level type of a 人社 scheme for one occupation."""
        scheme = self.scheme(scheme_code)
        occupation = self.occupation(occupation_code)
        found = self._skill_types.get((scheme.code, occupation.code))
        if found is None:
            raise InputError(
                "catalog.unknown_type",
                f"{scheme.name_zh}没有按职业“{occupation.name_zh}”划分的证书类型",
                field="type",
            )
        return found


def _strip_suffix(key: str) -> str:
    for suffix in _NAME_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


# ---------------------------------------------------------------- reading TOML


class _Entry:
    """One TOML table, with typed getters that name the file and entry on error."""

    def __init__(self, file: str, label: str, data: Mapping[str, Any]) -> None:
        self.file, self.label, self.data = file, label, data

    def fail(self, problem: str) -> CatalogDataError:
        return CatalogDataError(self.file, self.label, problem)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a non-empty string")
        return value.strip()

    def opt_str(self, key: str) -> str | None:
        return self.text(key) if key in self.data else None

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"'{key}' must be true or false")
        return value

    def opt_int(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(f"'{key}' must be an integer")
        return value

    def strs(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"'{key}' must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def table(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' must be a table")
        return value

    def part(self, key: str) -> _Entry:
        """A sub-table, as an entry named after this one."""
        return _Entry(self.file, f"{self.label}.{key}", self.table(key))


def _read(directory: Traversable, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads((directory / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogDataError(name, "-", "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogDataError(name, "-", f"invalid TOML: {exc}") from None


def _entries(file: str, data: Mapping[str, Any], key: str) -> list[_Entry]:
    tables = data.get(key, [])
    if not isinstance(tables, list):
        raise CatalogDataError(file, key, "must be an array of tables [[...]]")
    entries = []
    for index, table in enumerate(tables, start=1):
        label = f"[[{key}]] #{index}"
        if isinstance(table, dict) and isinstance(table.get("code", table.get("number")), str):
            label = f"[[{key}]] {table.get('code')}"
        entries.append(_Entry(file, label, table))
    return entries


def _unique(entry: _Entry, registry: Mapping[Any, object], key: object) -> None:
    if key in registry:
        raise entry.fail(f"duplicate code {key!r}")


def _ref(entry: _Entry, value: str, registry: Mapping[str, object], what: str) -> str:
    if value not in registry:
        raise entry.fail(f"refers to unknown {what} {value!r}")
    return value


# ---------------------------------------------------------------- building parts


def _load_departments_and_schemes(
    directory: Traversable,
) -> tuple[dict[str, Department], dict[str, Scheme], dict[str, Mapping[str, Any]]]:
    file = "schemes.toml"
    data = _read(directory, file)
    departments: dict[str, Department] = {}
    for e in _entries(file, data, "department"):
        _unique(e, departments, e.text("code"))
        departments[e.text("code")] = Department(
            e.text("code"), e.text("name_zh"), e.text("short_zh")
        )
    schemes: dict[str, Scheme] = {}
    templates: dict[str, Mapping[str, Any]] = {}
    for e in _entries(file, data, "scheme"):
        scheme = _scheme(e, departments)
        _unique(e, schemes, scheme.code)
        schemes[scheme.code] = scheme
        if "occupation_types" in e.data:
            templates[scheme.code] = e.table("occupation_types")
    return departments, schemes, templates


def _scheme(e: _Entry, departments: Mapping[str, Department]) -> Scheme:
    number_format = e.text("number_format")
    if number_format not in NUMBER_FORMATS:
        raise e.fail(f"unknown number_format {number_format!r}")
    issued_by = e.text("issued_by", "authority")
    if issued_by not in ("authority", "institution"):
        raise e.fail('\'issued_by\' must be "authority" or "institution"')
    return Scheme(
        code=e.text("code"),
        name_zh=e.text("name_zh"),
        department=_ref(e, e.text("department"), departments, "department"),
        number_format=number_format,
        validity=_validity(e.part("validity")),
        number_embeds_id_number=e.flag("number_embeds_id_number"),
        unconfirmed=e.flag("unconfirmed"),
        source=e.text("source"),
        status_words=_status_words(e.part("status_words")),
        issue_rules=_issue_rules(e.part("issue_rules")),
        issued_by=issued_by,
    )


def _validity(e: _Entry) -> ValidityRule:
    unknown = set(e.data) - {*_VALIDITY_INT_KEYS, "review_kind_zh", "renewal_kind_zh"}
    if unknown:
        raise e.fail(f"unknown keys {sorted(unknown)}")
    ints = {key: e.opt_int(key) for key in _VALIDITY_INT_KEYS}
    return ValidityRule(
        **ints,
        review_kind_zh=e.opt_str("review_kind_zh"),
        renewal_kind_zh=e.opt_str("renewal_kind_zh"),
    )


def _status_words(e: _Entry) -> StatusWords:
    """A scheme's words for suspension, revocation and cancellation, each one of the
    regulations' words for that change (STANDING_WORDS): never 注销 for a penalty."""
    words = StatusWords(
        suspended=e.text("suspended"),
        revoked=e.strs("revoked"),
        cancelled=e.text("cancelled"),
        source=e.text("source"),
        unconfirmed=e.flag("unconfirmed"),
    )
    chosen = {"suspended": (words.suspended,), "revoked": words.revoked}
    for kind, texts in (*chosen.items(), ("cancelled", (words.cancelled,))):
        if not texts or any(text not in STANDING_WORDS[kind] for text in texts):
            raise e.fail(f"'{kind}' must be among {list(STANDING_WORDS[kind])}")
    return words


def _issue_rules(e: _Entry) -> IssueRules:
    since, age = e.opt_int("since_year"), e.opt_int("minimum_age")
    if since is None or not 1900 <= since <= 2100:
        raise e.fail("'since_year' must be a year from 1900 on")
    if age is None or not 0 <= age <= 30:
        raise e.fail("'minimum_age' must be an age in years (0-30)")
    return IssueRules(
        since_year=since,
        since_source=e.text("since_source"),
        minimum_age=age,
        minimum_age_source=e.text("minimum_age_source"),
        unconfirmed=e.flag("unconfirmed"),
    )


def _load_occupations(directory: Traversable) -> dict[str, Occupation]:
    file = "occupations.toml"
    occupations: dict[str, Occupation] = {}
    for e in _entries(file, _read(directory, file), "occupation"):
        _unique(e, occupations, e.text("code"))
        e.text("source")
        occupations[e.text("code")] = Occupation(
            e.text("code"), e.text("name_zh"), e.flag("unconfirmed")
        )
    return occupations


def _load_levels(directory: Traversable) -> tuple[dict[int, Level], dict[str, int]]:
    file = "levels.toml"
    levels: dict[int, Level] = {}
    index: dict[str, int] = {}
    for e in _entries(file, _read(directory, file), "level"):
        number = e.opt_int("number")
        if number is None:
            raise e.fail("'number' is required")
        _unique(e, levels, number)
        levels[number] = Level(number, e.text("name_zh"), e.text("grade_zh"))
        for key in level_keys(levels[number], e.strs("aliases")):
            if index.setdefault(key, number) != number:
                raise e.fail(f"level text {key!r} already names level {index[key]}")
    return levels, index


def _load_provinces(directory: Traversable) -> dict[str, Province]:
    file = "provinces.toml"
    provinces: dict[str, Province] = {}
    for e in _entries(file, _read(directory, file), "province"):
        _unique(e, provinces, e.text("code"))
        provinces[e.text("code")] = Province(
            e.text("code"), e.text("name_zh"), e.text("abbreviation")
        )
    return provinces


def _occupation_types(
    schemes: Mapping[str, Scheme],
    templates: Mapping[str, Mapping[str, Any]],
    occupations: Mapping[str, Occupation],
) -> dict[str, tuple[str, CertificateType]]:
    """The occupation × level types of schemes that declare `occupation_types`."""
    types: dict[str, tuple[str, CertificateType]] = {}
    for scheme_code, template in templates.items():
        e = _Entry("schemes.toml", f"[[scheme]] {scheme_code}.occupation_types", template)
        for occ in occupations.values():
            t = CertificateType(
                code=f"{scheme_code}:{occ.code}",
                scheme=scheme_code,
                name_zh=e.text("name").format(name=occ.name_zh),
                aliases=tuple(a.format(name=occ.name_zh) for a in e.strs("aliases")),
                category_code=None,
                category_name_zh=None,
                occupation=occ.code,
                requires_level=True,
                unconfirmed=occ.unconfirmed or schemes[scheme_code].unconfirmed,
                source=schemes[scheme_code].source,
            )
            types[t.code] = ("schemes.toml", t)
    return types


def _load_type_file(
    directory: Traversable,
    file: str,
    schemes: Mapping[str, Scheme],
    occupations: Mapping[str, Occupation],
) -> list[CertificateType]:
    data = _read(directory, file)
    top = _Entry(file, "(top level)", data)
    scheme = _ref(top, top.text("scheme"), schemes, "scheme")
    mode = top.text("category_code", "category")
    if mode not in {"category", "item"}:
        raise top.fail('\'category_code\' must be "category" or "item"')
    categories = {e.text("code"): e.text("name_zh") for e in _entries(file, data, "category")}
    defaults = {"scheme": scheme, "source": top.data.get("source", ""), "mode": mode}
    return [
        _certificate_type(e, defaults, categories, occupations)
        for e in _entries(file, data, "type")
    ]


def _certificate_type(
    e: _Entry,
    defaults: Mapping[str, str],
    categories: Mapping[str, str],
    occupations: Mapping[str, Occupation],
) -> CertificateType:
    code, scheme = e.text("code"), defaults["scheme"]
    if not code.startswith(f"{scheme}:") or not code.isascii():
        raise e.fail(f"type code must be ASCII and start with '{scheme}:'")
    category = e.text("category")
    if categories:
        _ref(e, category, categories, "category")
    occupation = e.opt_str("occupation")
    if occupation is not None:
        _ref(e, occupation, occupations, "occupation")
    name = e.text("name_zh")
    return CertificateType(
        code=code,
        scheme=scheme,
        name_zh=name,
        aliases=e.strs("aliases"),
        category_code=category if defaults["mode"] == "category" else e.opt_str("item_code"),
        category_name_zh=categories.get(category, name),
        occupation=occupation,
        requires_level=e.flag("requires_level"),
        unconfirmed=e.flag("unconfirmed"),
        source=e.text("source", defaults["source"]),
        item_code=e.opt_str("item_code"),
    )


def _type_index(located: Iterable[tuple[str, CertificateType]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for file, t in located:
        for text in (t.code, t.name_zh, *t.aliases):
            key = normalize_type_text(text)
            if index.setdefault(key, t.code) != t.code:
                raise CatalogDataError(file, t.code, f"name {text!r} already names {index[key]}")
    return index


def _type_files(directory: Traversable) -> list[str]:
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.name.startswith("types") and p.name.endswith(".toml")
    )


def load_catalog_from(directory: Traversable | Path) -> Catalog:
    """Load and check the catalogue in `directory` (not cached)."""
    departments, schemes, templates = _load_departments_and_schemes(directory)
    occupations = _load_occupations(directory)
    levels, level_index = _load_levels(directory)
    located = _occupation_types(schemes, templates, occupations)
    for file in _type_files(directory):
        for t in _load_type_file(directory, file, schemes, occupations):
            if t.code in located:
                raise CatalogDataError(
                    file, t.code, f"duplicate type code (see {located[t.code][0]})"
                )
            located[t.code] = (file, t)
    return Catalog(
        departments=departments,
        schemes=schemes,
        occupations=occupations,
        levels=levels,
        provinces=_load_provinces(directory),
        types={code: t for code, (_, t) in located.items()},
        type_index=_type_index(located.values()),
        level_index=level_index,
    )


@functools.cache
def load_catalog() -> Catalog:
    """The bundled catalogue, loaded and checked once."""
    return load_catalog_from(resources.files("certbridge.catalog") / "data")
