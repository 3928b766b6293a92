"""Mutual-recognition policy as data: load, check, and compile into lookup tables. Pure.

The TOML files in `data/` (or the directory named by CERTBRIDGE_POLICY_DIR) hold
documents, rules and the correspondence table (证书对应目录). `load_policy()` refuses
inconsistent data; `check_policy()` lists every problem for `certbridge policy check`;
`Policy.in_force(as_of, province)` compiles the rules that apply on a date in a
jurisdiction into dictionaries the evaluator reads without searching.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from certbridge.catalog import Catalog, load_catalog
from certbridge.errors import InputError

NATIONAL = "national"
EXEMPTION_LABELS = {
    "safety_training": "免于安全作业培训（安全技术培训）",
    "theory_exam": "免于理论考试",
}
RULE_KINDS = ("exemption", "deemed_level", "eligibility", "one_exam")
_COMMON_KEYS = {
    "id",
    "kind",
    "citation",
    "effective_from",
    "effective_until",
    "jurisdiction",
    "unconfirmed",
    "replaces",
    "note",
}
_KIND_KEYS = {
    "exemption": {"exempt"},
    "deemed_level": {"holding", "occupation", "level", "may_apply"},
    "eligibility": {
        "occupations",
        "level",
        "after_level",
        "years_after_level",
        "years_in_trade",
        "education",
        "apprenticeship",
    },
    "one_exam": {"targets", "awards_level", "local_discretion"},
}


class PolicyDataError(Exception):
    """The policy files are inconsistent; `problems` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    issuer: str
    reference: str
    published: date | None
    unconfirmed: bool
    note: str


@dataclass(frozen=True)
class Citation:
    document: str
    title: str
    clause: str
    text: str


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    citation: Citation
    effective_from: date
    effective_until: date | None
    jurisdiction: str
    unconfirmed: bool
    replaces: tuple[str, ...] = ()
    note: str = ""
    file: str = ""
    # exemption
    exempt: tuple[str, ...] = ()
    # deemed_level
    holding: tuple[str, ...] = ()
    occupation: str | None = None
    level: int | None = None
    may_apply: int | None = None
    # eligibility (level is the level applied for)
    occupations: tuple[str, ...] = ()
    after_level: int | None = None
    years_after_level: float = 0
    years_in_trade: float = 0
    education: tuple[str, ...] = ()
    apprenticeship: bool = False
    # one_exam
    targets: tuple[str, ...] = ()
    awards_level: int | None = None
    local_discretion: bool = False

    def in_force(self, as_of: date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_until is None or as_of <= self.effective_until
        )

    def applies_in(self, province: str | None) -> bool:
        return self.jurisdiction == NATIONAL or self.jurisdiction == province


@dataclass(frozen=True)
class Row:
    """One line of the 证书对应目录: any `from` type → the `to` type, under `rules`."""

    id: str
    from_types: tuple[str, ...]
    to_type: str
    rules: tuple[str, ...]
    jurisdiction: str
    unconfirmed: bool
    note: str
    file: str = ""


@dataclass(frozen=True)
class ExemptionGrant:
    code: str
    rule: Rule
    row: Row


@dataclass(frozen=True)
class DeemedGrant:
    occupation: str
    level: int
    may_apply: int | None
    rule: Rule


@dataclass(frozen=True)
class Compiled:
    """The rules in force on one date in one jurisdiction, as lookup tables."""

    as_of: date
    province: str | None
    rules: tuple[Rule, ...]
    # (held type, target type) -> grants, in rule-id order
    exemptions: Mapping[tuple[str, str], tuple[ExemptionGrant, ...]]
    # held type -> deemed levels
    deemed: Mapping[str, tuple[DeemedGrant, ...]]
    # (occupation, level applied for) -> paths (eligibility rules)
    paths: Mapping[tuple[str, int], tuple[Rule, ...]]
    # target type -> 一试多证 rules
    one_exam: Mapping[str, tuple[Rule, ...]]
    # occupations that have 申报条件
    occupations: frozenset[str]
    # the province's own rules and rows in force here (its special provisions, 如无特别规定)
    provisions: tuple[str, ...] = ()
    # the evaluator's memo of rule bases (ids, citations) for this compiled policy
    bases: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Policy:
    documents: Mapping[str, Document]
    rules: Mapping[str, Rule]
    rows: tuple[Row, ...]
    education: tuple[str, ...]
    _cache: dict[tuple[date, str | None], Compiled] = field(
        default_factory=dict, compare=False, repr=False
    )

    def in_force(self, as_of: date, province: str | None = None) -> Compiled:
        key = (as_of, province)
        compiled = self._cache.get(key)
        if compiled is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            compiled = self._cache[key] = _compile(self, as_of, province)
        return compiled

    def provinces_with_provisions(self) -> frozenset[str]:
        """Provinces that have a special provision (a rule or a row of their own)."""
        rules = {r.jurisdiction for r in self.rules.values()}
        rows = {r.jurisdiction for r in self.rows}
        return frozenset((rules | rows) - {NATIONAL})

    def rules_in_force(self, as_of: date, province: str | None = None) -> tuple[Rule, ...]:
        return self.in_force(as_of, province).rules


# ---------------------------------------------------------------- compiling


def _effective_rules(policy: Policy, as_of: date, province: str | None) -> dict[str, Rule]:
    """Every rule id in force here -> the rule that answers for it: itself, or the
    provincial special provision (如无特别规定) that replaces it in this province."""
    candidates = [r for r in policy.rules.values() if r.in_force(as_of) and r.applies_in(province)]
    replaced_by = {old: r for r in candidates if r.jurisdiction != NATIONAL for old in r.replaces}
    effective = {r.id: r for r in candidates if r.id not in replaced_by}
    effective.update(replaced_by)
    return effective


def _compile(policy: Policy, as_of: date, province: str | None) -> Compiled:
    # `effective` maps every rule id to the rule that answers for it here
    # (itself, or the provincial rule that replaced it).
    effective = _effective_rules(policy, as_of, province)
    in_force = tuple(sorted({r.id: r for r in effective.values()}.values(), key=lambda r: r.id))
    exemptions: dict[tuple[str, str], list[ExemptionGrant]] = {}
    for row in policy.rows:
        if row.jurisdiction not in (NATIONAL, province):
            continue
        for rule_id in row.rules:
            rule = effective.get(rule_id)
            if rule is None or rule.kind != "exemption":
                continue
            for held in row.from_types:
                grants = exemptions.setdefault((held, row.to_type), [])
                grants.extend(ExemptionGrant(code, rule, row) for code in rule.exempt)
    deemed: dict[str, list[DeemedGrant]] = {}
    paths: dict[tuple[str, int], list[Rule]] = {}
    one_exam: dict[str, list[Rule]] = {}
    for rule in in_force:
        if rule.kind == "deemed_level" and rule.occupation and rule.level:
            for held in rule.holding:
                grant = DeemedGrant(rule.occupation, rule.level, rule.may_apply, rule)
                deemed.setdefault(held, []).append(grant)
        elif rule.kind == "eligibility" and rule.level:
            for occupation in rule.occupations:
                paths.setdefault((occupation, rule.level), []).append(rule)
        elif rule.kind == "one_exam":
            for target in rule.targets:
                one_exam.setdefault(target, []).append(rule)
    return Compiled(
        as_of=as_of,
        province=province,
        rules=in_force,
        exemptions={k: tuple(v) for k, v in exemptions.items()},
        deemed={k: tuple(v) for k, v in deemed.items()},
        paths={k: tuple(v) for k, v in paths.items()},
        one_exam={k: tuple(v) for k, v in one_exam.items()},
        occupations=frozenset(o for o, _ in paths),
        provisions=(
            *(r.id for r in in_force if r.jurisdiction != NATIONAL),
            *sorted(row.id for row in policy.rows if row.jurisdiction == province),
        ),
    )


# ---------------------------------------------------------------- loading


def bundled_policy_dir() -> Path:
    return Path(__file__).parent / "data"


def default_policy_dir() -> Path:
    """CERTBRIDGE_POLICY_DIR if set (an operator's own copy), else the bundled data."""
    configured = os.environ.get("CERTBRIDGE_POLICY_DIR", "").strip()
    return Path(configured) if configured else bundled_policy_dir()


@functools.lru_cache(maxsize=4)
def _load_cached(directory: str) -> Policy:
    policy, problems = read_policy(Path(directory))
    if problems:
        raise PolicyDataError(problems)
    return policy


def load_policy(directory: Path | None = None) -> Policy:
    """The policy in `directory` (default: default_policy_dir()), checked; cached per path."""
    return _load_cached(str((directory or default_policy_dir()).resolve()))


def check_policy(directory: Path | None = None) -> list[str]:
    """Every problem found in the policy files (empty when they are consistent)."""
    return read_policy(directory or default_policy_dir())[1]


def read_policy(directory: Path, catalog: Catalog | None = None) -> tuple[Policy, list[str]]:
    catalog = catalog or load_catalog()
    reader = _Reader(catalog)
    files = sorted(directory.rglob("*.toml"))
    if not files:
        reader.problems.append(f"{directory}: 没有策略文件（*.toml）")
    for path in files:
        reader.read_file(path, path.relative_to(directory).as_posix())
    reader.cross_check()
    policy = Policy(
        documents=dict(reader.documents),
        rules=dict(sorted(reader.rules.items())),
        rows=tuple(reader.rows),
        education=tuple(reader.education),
    )
    return policy, reader.problems


class _Reader:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.documents: dict[str, Document] = {}
        self.rules: dict[str, Rule] = {}
        self.rows: list[Row] = []
        self.education: list[str] = []
        self.problems: list[str] = []
        self._citations: list[tuple[str, str, Mapping[str, Any]]] = []

    def fail(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def read_file(self, path: Path, name: str) -> None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            self.fail(name, f"TOML 格式错误：{exc}")
            return
        unknown = set(data) - {"document", "rule", "row", "education"}
        if unknown:
            self.fail(name, f"未知的顶层键 {sorted(unknown)}")
        for value in _strings(data.get("education", [])):
            if value not in self.education:
                self.education.append(value)
        for item in _tables(data.get("document", [])):
            self._document(name, item)
        for item in _tables(data.get("rule", [])):
            self._rule(name, item)
        for item in _tables(data.get("row", [])):
            self._row(name, item)

    # -- documents

    def _document(self, file: str, item: Mapping[str, Any]) -> None:
        doc_id = str(item.get("id", "")).strip()
        where = f"{file} [[document]] {doc_id or '?'}"
        if not doc_id or not str(item.get("title", "")).strip():
            self.fail(where, "缺少 id 或 title")
            return
        if doc_id in self.documents:
            self.fail(where, "文件编号重复")
        published = item.get("published")
        self.documents[doc_id] = Document(
            id=doc_id,
            title=str(item["title"]).strip(),
            issuer=str(item.get("issuer", "")).strip(),
            reference=str(item.get("reference", "")).strip(),
            published=published if isinstance(published, date) else None,
            unconfirmed=bool(item.get("unconfirmed", False)),
            note=str(item.get("note", "")).strip(),
        )

    # -- rules

    def _rule(self, file: str, item: Mapping[str, Any]) -> None:
        rule_id = str(item.get("id", "")).strip()
        where = f"{file} [[rule]] {rule_id or '?'}"
        kind = item.get("kind")
        if not rule_id:
            self.fail(where, "缺少规则编号 id")
            return
        if rule_id in self.rules:
            self.fail(where, "规则编号重复")
            return
        if kind not in RULE_KINDS:
            self.fail(where, f"未知的规则类型 {kind!r}，可选 {', '.join(RULE_KINDS)}")
            return
        unknown = set(item) - _COMMON_KEYS - _KIND_KEYS[str(kind)]
        if unknown:
            self.fail(where, f"未知的键 {sorted(unknown)}")
        citation = self._citation(where, item.get("citation"))
        start, until = item.get("effective_from"), item.get("effective_until")
        if not isinstance(start, date):
            self.fail(where, "缺少生效日期 effective_from（YYYY-MM-DD）")
            start = date.max
        if until is not None and (not isinstance(until, date) or until < start):
            self.fail(where, "失效日期 effective_until 须为不早于生效日期的日期")
            until = None
        jurisdiction = str(item.get("jurisdiction", "")).strip()
        if jurisdiction != NATIONAL and jurisdiction not in self.catalog.provinces:
            self.fail(where, f"适用地区 {jurisdiction!r} 应为 national 或两位省级代码")
        if not isinstance(item.get("unconfirmed"), bool):
            self.fail(where, "须写明 unconfirmed = true/false（来源是否为二手资料）")
        base = Rule(
            id=rule_id,
            kind=str(kind),
            citation=citation,
            effective_from=start,
            effective_until=until,
            jurisdiction=jurisdiction,
            unconfirmed=bool(item.get("unconfirmed", True)),
            replaces=tuple(_strings(item.get("replaces", []))),
            note=str(item.get("note", "")),
            file=file,
        )
        self.rules[rule_id] = getattr(self, f"_{kind}")(where, item, base)

    def _citation(self, where: str, raw: object) -> Citation:
        if not isinstance(raw, dict):
            self.fail(where, "缺少出处 citation（document、clause、text）")
            return Citation("", "", "", "")
        parts = {k: str(raw.get(k, "")).strip() for k in ("document", "clause", "text")}
        for key, value in parts.items():
            if not value:
                self.fail(where, f"出处缺少 {key}")
        self._citations.append((where, parts["document"], raw))
        return Citation(parts["document"], "", parts["clause"], parts["text"])

    def _exemption(self, where: str, item: Mapping[str, Any], base: Rule) -> Rule:
        exempt = tuple(_strings(item.get("exempt", [])))
        for code in exempt:
            if code not in EXEMPTION_LABELS:
                self.fail(where, f"未知的免考代码 {code!r}，可选 {', '.join(EXEMPTION_LABELS)}")
        return _replace(base, exempt=exempt)

    def _deemed_level(self, where: str, item: Mapping[str, Any], base: Rule) -> Rule:
        occupation = self._occupation(where, item.get("occupation"))
        holding = self._types(where, item.get("holding", []))
        for type_code in holding:
            linked = self.catalog.types[type_code].occupation
            if occupation and linked != occupation:
                self.fail(
                    where, f"证书 {type_code} 对应职业为 {linked}，与规则职业 {occupation} 不符"
                )
        level = self._level(where, item.get("level"), "level")
        may_apply = self._level(where, item.get("may_apply"), "may_apply", optional=True)
        if level and may_apply and may_apply >= level:
            self.fail(where, "may_apply 须高于视同等级（数字更小）")
        return _replace(
            base, holding=holding, occupation=occupation, level=level, may_apply=may_apply
        )

    def _eligibility(self, where: str, item: Mapping[str, Any], base: Rule) -> Rule:
        occupations = tuple(
            o for o in (self._occupation(where, v) for v in _strings(item.get("occupations"))) if o
        )
        if not occupations:
            self.fail(where, "须列出适用职业 occupations")
        level = self._level(where, item.get("level"), "level")
        after = self._level(where, item.get("after_level"), "after_level", optional=True)
        if level and after and after <= level:
            self.fail(where, "after_level 须低于申报等级（数字更大）")
        education = tuple(_strings(item.get("education", [])))
        years_in_trade = self._years(where, item, "years_in_trade")
        conditions = (after, years_in_trade, education, item.get("apprenticeship"))
        if not any(conditions):
            self.fail(
                where,
                "申报条件至少要有一项（after_level、years_in_trade、education 或 apprenticeship）",
            )
        return _replace(
            base,
            occupations=occupations,
            level=level,
            after_level=after,
            years_after_level=self._years(where, item, "years_after_level"),
            years_in_trade=years_in_trade,
            education=education,
            apprenticeship=bool(item.get("apprenticeship", False)),
        )

    def _years(self, where: str, item: Mapping[str, Any], field: str) -> float:
        """A span of years: counted in tenths of a year, as every answer shows them."""
        raw = item.get(field, 0)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(where, f"{field} 须为年数（数字），而不是 {raw!r}")
            return 0.0
        if not 0 <= raw < 100 or abs(raw * 10 - round(raw * 10)) > 1e-9:
            self.fail(where, f"{field} 须为 0 至 99.9 之间、以 0.1 年为单位的年数（现为 {raw}）")
            return 0.0
        return round(float(raw), 1)

    def _one_exam(self, where: str, item: Mapping[str, Any], base: Rule) -> Rule:
        return _replace(
            base,
            targets=self._types(where, item.get("targets", [])),
            awards_level=self._level(where, item.get("awards_level"), "awards_level"),
            local_discretion=bool(item.get("local_discretion", False)),
        )

    # -- correspondence rows

    def _row(self, file: str, item: Mapping[str, Any]) -> None:
        row_id = str(item.get("id", "")).strip()
        where = f"{file} [[row]] {row_id or '?'}"
        from_types = self._types(where, item.get("from", []))
        to_types = self._types(where, [item.get("to", "")])
        jurisdiction = str(item.get("jurisdiction", NATIONAL)).strip()
        if jurisdiction != NATIONAL and jurisdiction not in self.catalog.provinces:
            self.fail(where, f"适用地区 {jurisdiction!r} 应为 national 或两位省级代码")
        if not row_id or any(r.id == row_id for r in self.rows):
            self.fail(where, "缺少或重复的行编号 id")
        if not from_types or not to_types:
            return
        for held in from_types:
            if self._department(held) == self._department(to_types[0]):
                self.fail(where, f"{held} 与 {to_types[0]} 属同一部门，互认只在不同部门之间")
        self.rows.append(
            Row(
                id=row_id,
                from_types=from_types,
                to_type=to_types[0],
                rules=tuple(_strings(item.get("rules", []))),
                jurisdiction=jurisdiction,
                unconfirmed=bool(item.get("unconfirmed", True)),
                note=str(item.get("note", "")),
                file=file,
            )
        )

    # -- references

    def _department(self, type_code: str) -> str:
        return self.catalog.schemes[self.catalog.types[type_code].scheme].department

    def _types(self, where: str, raw: object) -> tuple[str, ...]:
        codes = []
        for text in _strings(raw):
            try:
                codes.append(self.catalog.resolve_type(text).code)
            except InputError:
                self.fail(where, f"未知的证书类型 {text!r}")
        return tuple(codes)

    def _occupation(self, where: str, raw: object) -> str | None:
        if not isinstance(raw, str) or raw not in self.catalog.occupations:
            self.fail(where, f"未知的职业编码 {raw!r}")
            return None
        return raw

    def _level(self, where: str, raw: object, key: str, *, optional: bool = False) -> int | None:
        if raw is None and optional:
            return None
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 5:
            self.fail(where, f"{key} 须为1至5的等级数字（5=五级/初级工 … 1=一级/高级技师）")
            return None
        return raw

    # -- whole-policy checks

    def cross_check(self) -> None:
        for where, doc_id, _raw in self._citations:
            if doc_id and doc_id not in self.documents:
                self.fail(where, f"出处引用了未登记的文件 {doc_id!r}")
        self._fill_titles()
        for rule in self.rules.values():
            self._check_replaces(rule)
        for row in self.rows:
            for rule_id in row.rules:
                found = self.rules.get(rule_id)
                if found is None or found.kind != "exemption":
                    self.fail(
                        f"{row.file} [[row]] {row.id}", f"引用的 {rule_id} 不是已登记的免考规则"
                    )
            if not row.rules:
                self.fail(f"{row.file} [[row]] {row.id}", "未指明依据的规则 rules")
        self._check_contradictions()
        known = set(self.education)
        for rule in self.rules.values():
            for value in rule.education:
                if value not in known:
                    self.fail(
                        f"{rule.file} [[rule]] {rule.id}", f"学历 {value!r} 不在 education 列表中"
                    )

    def _fill_titles(self) -> None:
        for rule_id, rule in self.rules.items():
            doc = self.documents.get(rule.citation.document)
            if doc is not None:
                citation = Citation(doc.id, doc.title, rule.citation.clause, rule.citation.text)
                self.rules[rule_id] = _replace(rule, citation=citation)

    def _check_replaces(self, rule: Rule) -> None:
        where = f"{rule.file} [[rule]] {rule.id}"
        if rule.replaces and rule.jurisdiction == NATIONAL:
            self.fail(where, "只有省级特别规定（jurisdiction 为省级代码）可以 replaces 全国规则")
        for old in rule.replaces:
            target = self.rules.get(old)
            if target is None:
                self.fail(where, f"replaces 引用了不存在的规则 {old!r}")
            elif target.kind != rule.kind:
                self.fail(
                    where, f"replaces 的 {old} 类型为 {target.kind}，与本规则 {rule.kind} 不同"
                )
            elif target.jurisdiction != NATIONAL:
                self.fail(where, f"replaces 的 {old} 不是全国规则")

    def _check_contradictions(self) -> None:
        rules = sorted(self.rules.values(), key=lambda r: r.id)
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                if a.jurisdiction != b.jurisdiction or not _overlap(a, b):
                    continue
                problem = _contradiction(a, b)
                if problem:
                    self.fail(f"{b.file} [[rule]] {b.id}", f"与 {a.id} 矛盾：{problem}")
        seen: dict[tuple[str, str, str], str] = {}
        for row in self.rows:
            for held in row.from_types:
                key = (row.jurisdiction, held, row.to_type)
                if key in seen:
                    self.fail(
                        f"{row.file} [[row]] {row.id}",
                        f"{held} → {row.to_type} 已由 {seen[key]} 列出（同一适用地区不得重复）",
                    )
                seen[key] = row.id


def _contradiction(a: Rule, b: Rule) -> str | None:
    """Two rules of one jurisdiction in force at once that cannot both hold."""
    if a.kind == b.kind == "deemed_level" and a.occupation == b.occupation:
        shared = set(a.holding) & set(b.holding)
        if shared and a.level != b.level:
            return f"{sorted(shared)} 同时被视同为 {a.level} 级和 {b.level} 级"
    overlap = set(a.replaces) & set(b.replaces)
    if overlap:
        return f"同时替代 {sorted(overlap)}，生效期重叠"
    return None


def _overlap(a: Rule, b: Rule) -> bool:
    a_end = a.effective_until or date.max
    b_end = b.effective_until or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def _replace(rule: Rule, **changes: Any) -> Rule:
    return dataclasses.replace(rule, **changes)


def _tables(raw: object) -> Iterable[Mapping[str, Any]]:
    return [t for t in raw if isinstance(t, dict)] if isinstance(raw, list) else []


def _strings(raw: object) -> list[str]:
    if isinstance(raw, str):
        return [raw.strip()] if raw.strip() else []
    if isinstance(raw, list):
        return [str(v).strip() for v in raw if str(v).strip()]
    return []


__all__ = [
    "EXEMPTION_LABELS",
    "NATIONAL",
    "Citation",
    "Compiled",
    "DeemedGrant",
    "Document",
    "ExemptionGrant",
    "Policy",
    "PolicyDataError",
    "Row",
    "Rule",
    "bundled_policy_dir",
    "check_policy",
    "default_policy_dir",
    "load_policy",
    "read_policy",
]
