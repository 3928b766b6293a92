"""Institution search: by exact code first, then by occupation in the 备案 scope, then by
partial or misspelt Chinese name; a province alone lists that province's institutions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from certbridge.catalog import load_catalog
from certbridge.errors import InputError
from certbridge.identity import province_name
from certbridge.query.schemas import InstitutionView, LevelView, NamedCode, ScopeView
from certbridge.registry.models import Institution, InstitutionScope

KIND_LABELS = {"Y": "用人单位", "S": "社会培训评价组织"}
STATUS_LABELS = {"active": "正常", "suspended": "暂停", "revoked": "撤销"}
# Words so common in institution names that they should not drive a match.
_FILLER = re.compile(r"(有限责任公司|有限公司|股份|集团|公司|中心|学校|学院)")
# What an institution code or an occupation code can look like (S000114000001, 6-18-02-04).
_CODE_LIKE = re.compile(r"[0-9A-Za-z\-]+")
MIN_SCORE = 60.0
PROVINCE_LIMIT = 200  # a province alone lists up to this many, by code


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").lower()


def _score(query: str, name: str) -> float:
    folded_query, folded_name = _fold(query), _fold(name)
    if folded_query in folded_name:
        return 100.0
    core_query = _FILLER.sub("", folded_query) or folded_query
    return float(
        max(
            fuzz.partial_ratio(core_query, folded_name),
            fuzz.token_set_ratio(core_query, _FILLER.sub("", folded_name)),
        )
    )


def validate_search(q: str, province: str | None) -> tuple[str, str | None]:
    """The query text (may be empty when a province is given) and the province code."""
    query = q.strip()
    if len(query) > 50:
        raise InputError("institution.query_long", "查询词不能超过50个字符", field="q")
    chosen: str | None = None
    if province is not None and province != "":
        if not re.fullmatch(r"\d{2}", province) or province_name(province) is None:
            raise InputError(
                "institution.province",
                "省份应为两位行政区划代码，如 11（北京市）",
                field="province",
            )
        chosen = province
    if not query and chosen is None:
        raise InputError(
            "institution.query_empty", "请输入机构名称、编码或职业，或选择省份", field="q"
        )
    return query, chosen


def occupations_matching(query: str) -> list[str]:
    """Catalog occupations that the query names: by code, by full name, or by part of a name
    (two characters or more), e.g. 焊工 → 6-18-02-04."""
    folded = _fold(query)
    found = []
    for occupation in load_catalog().occupations.values():
        name = _fold(occupation.name_zh)
        if folded in (occupation.code, name) or (len(folded) >= 2 and folded in name):
            found.append(occupation.code)
    return found


def search_institutions(
    session: Session, q: str, province: str | None = None, limit: int = 20
) -> list[InstitutionView]:
    """Exact code → that institution alone; a province alone → its institutions by code;
    otherwise institutions whose 备案 scope holds a named occupation, then names and codes
    that match the text, best first."""
    query, province = validate_search(q, province)
    if not query:
        return _views(_in_province(session, province), "province")
    exact = session.scalar(
        _with_scopes(select(Institution).where(func.upper(Institution.code) == query.upper()))
    )
    if exact is not None and province in (None, exact.province_code):
        return [_view(exact, "code", 100.0)]
    results = _views(_by_occupation(session, query, province), "occupation")
    seen = {r.code for r in results}
    for view in _by_name_or_code(session, query, province, limit):
        if view.code not in seen and len(results) < limit:
            results.append(view)
    return results


def _with_scopes(statement: Select[Institution]) -> Select[Institution]:
    return statement.options(selectinload(Institution.scopes))


def _in_province(session: Session, province: str | None) -> list[Institution]:
    statement = (
        select(Institution)
        .where(Institution.province_code == province)
        .order_by(Institution.code)
        .limit(PROVINCE_LIMIT)
    )
    return list(session.scalars(_with_scopes(statement)))


def _by_occupation(session: Session, query: str, province: str | None) -> list[Institution]:
    codes = occupations_matching(query)
    if not codes:
        return []
    holding = select(InstitutionScope.institution_id).where(
        InstitutionScope.occupation_code.in_(codes)
    )
    statement = select(Institution).where(Institution.id.in_(holding))
    if province:
        statement = statement.where(Institution.province_code == province)
    return list(session.scalars(_with_scopes(statement.order_by(Institution.code))))


def _by_name_or_code(
    session: Session, query: str, province: str | None, limit: int
) -> list[InstitutionView]:
    statement = select(Institution.id, Institution.name, Institution.code)
    if province:
        statement = statement.where(Institution.province_code == province)
    rows = session.execute(statement).all()
    matched_by = "name"
    if _CODE_LIKE.fullmatch(query):
        # A code or part of one: plain containment; fuzzy scores between codes are noise.
        folded, matched_by = query.upper(), "code"
        ranked = [(None, 100.0, row.id) for row in rows if folded in row.code.upper()][:limit]
    else:
        names = {row.id: row.name for row in rows}
        ranked = process.extract(
            query,
            names,
            scorer=lambda a, b, **_: _score(a, b),
            limit=limit,
            score_cutoff=MIN_SCORE,
        )
    if not ranked:
        return []
    by_id = {
        i.id: i
        for i in session.scalars(
            _with_scopes(select(Institution).where(Institution.id.in_([k for *_, k in ranked])))
        )
    }
    return [_view(by_id[key], matched_by, score) for _, score, key in ranked]


def _views(institutions: Iterable[Institution], matched_by: str) -> list[InstitutionView]:
    return [_view(i, matched_by, 100.0) for i in institutions]


def _view(institution: Institution, matched_by: str, score: float) -> InstitutionView:
    catalog = load_catalog()
    scopes = [
        ScopeView(
            occupation=NamedCode(
                code=s.occupation_code, name=catalog.occupations[s.occupation_code].name_zh
            ),
            level=LevelView(number=s.level, name=catalog.levels[s.level].label),
        )
        for s in sorted(institution.scopes, key=lambda s: (s.occupation_code, -s.level))
    ]
    return InstitutionView(
        code=institution.code,
        name=institution.name,
        kind=institution.kind,
        kind_label=KIND_LABELS[institution.kind],
        province=NamedCode(
            code=institution.province_code, name=province_name(institution.province_code) or ""
        ),
        status=STATUS_LABELS.get(institution.status, institution.status),
        scopes=scopes,
        matched_by=matched_by,
        match_score=round(score, 1),
    )
