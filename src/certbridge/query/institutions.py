"""Institution search that tolerates partial and misspelt Chinese names."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.catalog import load_catalog
from certbridge.errors import InputError
from certbridge.identity import province_name
from certbridge.query.schemas import InstitutionView, LevelView, NamedCode, ScopeView
from certbridge.registry.models import Institution

KIND_LABELS = {"Y": "用人单位", "S": "社会培训评价组织"}
STATUS_LABELS = {"active": "正常", "suspended": "暂停", "revoked": "撤销"}
# Words so common in institution names that they should not drive a match.
_FILLER = re.compile(r"(有限责任公司|有限公司|股份|集团|公司|中心|学校|学院)")
MIN_SCORE = 60.0


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
    query = q.strip()
    if not query:
        raise InputError("institution.query_empty", "请输入机构名称或编码", field="q")
    if len(query) > 50:
        raise InputError("institution.query_long", "机构名称不能超过50个字符", field="q")
    if province is not None and province != "":
        if not re.fullmatch(r"\d{2}", province) or province_name(province) is None:
            raise InputError(
                "institution.province",
                "省份应为两位行政区划代码，如 11（北京市）",
                field="province",
            )
        return query, province
    return query, None


def search_institutions(
    session: Session, q: str, province: str | None = None, limit: int = 20
) -> list[InstitutionView]:
    query, province = validate_search(q, province)
    statement = select(Institution.id, Institution.name, Institution.code)
    if province:
        statement = statement.where(Institution.province_code == province)
    candidates = {row.id: f"{row.name} {row.code}" for row in session.execute(statement)}
    ranked = process.extract(
        query,
        candidates,
        scorer=lambda a, b, **_: _score(a, b),
        limit=limit,
        score_cutoff=MIN_SCORE,
    )
    if not ranked:
        return []
    by_id = {
        i.id: i
        for i in session.scalars(
            select(Institution).where(Institution.id.in_([key for _, _, key in ranked]))
        )
    }
    return [_view(by_id[key], score) for _, score, key in ranked]


def _view(institution: Institution, score: float) -> InstitutionView:
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
        match_score=round(score, 1),
    )
