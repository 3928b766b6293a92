"""What the recognition surfaces take and answer: one shape for the API, the CLI and pages."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=60, description="Chinese name, alias or type code")
    level: int | float | str | None = Field(
        default=None,
        description="an integer 5 (五级/初级工) … 1 (一级/高级技师), a level name, or null",
    )
    issued: date
    valid_until: date | None = Field(default=None, description="default: issue date + validity")
    status: Literal["valid", "suspended", "revoked"] = "valid"

    @field_validator("level", mode="before")
    @classmethod
    def _no_booleans(cls, value: object) -> object:
        # JSON true would otherwise pass as the integer 1 (一级/高级技师); as text it is
        # refused by the level rule with the field named (service._level).
        return str(value).lower() if isinstance(value, bool) else value


class EvaluateRequest(BaseModel):
    """A department's own case: no personal data needed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "as_of": "2026-11-29",
                "certificates": [
                    {
                        "type": "低压电工作业",
                        "level": None,
                        "issued": "2022-03-01",
                        "valid_until": "2028-03-01",
                        "status": "valid",
                    }
                ],
                "experience_years": {"6-31-01-03": 5},
                "education": "技工学校",
                "target": "建筑电工",
            }
        },
    )

    as_of: date | None = Field(default=None, description="default: today")
    certificates: list[CertificateIn] = Field(default_factory=list, max_length=50)
    experience_years: dict[str, float] = Field(
        default_factory=dict, description="years worked per occupation code (职业分类大典)"
    )
    education: str | list[str] | None = Field(default=None, description="e.g. 技工学校, 大专")
    apprenticeship: bool = Field(default=False, description="学徒期满")
    target: str | None = Field(default=None, max_length=60, description="certificate applied for")
    province: str | None = Field(
        default=None,
        description="2-digit code of the exam province, whose provisions apply "
        "(default: the one province of the counting certificates)",
    )


class NamedCode(BaseModel):
    code: str
    name: str


class CitationView(BaseModel):
    document: str
    title: str
    clause: str
    text: str


class CertificateFindingView(BaseModel):
    ref: str = Field(description="masked number, or the index in the request")
    type: NamedCode
    level: int | None
    status: str
    counts: bool
    reason: str


class ExemptionView(BaseModel):
    code: Literal["safety_training", "theory_exam"]
    label: str
    target: NamedCode
    via: list[NamedCode]
    rows: list[str] = Field(description="rows of the 证书对应目录")
    already_held: bool = Field(
        description="the person already holds a counting certificate of the target: the "
        "exemption stays listed (a new certificate never removes one), shown greyed"
    )
    note: str = Field(description="why it is greyed (已持有该证书), else empty")
    rule_ids: list[str]
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class DeemedView(BaseModel):
    occupation: str
    occupation_name: str
    level: int
    level_name: str
    via: list[NamedCode]
    superseded_by: int | None = Field(
        description="the higher level held or deemed in the occupation, which stands instead"
    )
    note: str = Field(description="why it is superseded, else empty")
    rule_ids: list[str]
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class StandingView(BaseModel):
    """The best level held or deemed in one occupation, and what it rests on."""

    occupation: str
    occupation_name: str
    level: int
    level_name: str
    held: list[str] = Field(description="refs of the person's own certificates at this level")
    deemed_via: list[NamedCode] = Field(description="certificate types deemed at this level")
    rule_ids: list[str] = Field(description="deemed-level rules at this level (empty: held)")
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class PathView(BaseModel):
    rule_id: str
    met: bool
    missing: list[str]


class EligibleView(BaseModel):
    occupation: str
    occupation_name: str
    level: int
    level_name: str
    current_level: int | None
    met: bool
    missing: list[str]
    paths: list[PathView]
    rule_ids: list[str]
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class OneExamView(BaseModel):
    target: NamedCode
    occupation: str
    occupation_name: str
    level: int
    level_name: str
    local_discretion: bool = Field(description="where the locality runs 一试多证")
    already_held: bool = Field(description="the person already holds the target (greyed)")
    note: str = Field(description="why it is greyed (已持有该证书), else empty")
    rule_ids: list[str]
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class HolderView(BaseModel):
    name: str
    id_number_masked: str


class RecognitionAnswer(BaseModel):
    as_of: date
    holder: HolderView | None = None
    province: NamedCode | None = Field(description="the province whose provisions applied")
    province_source: Literal["chosen", "certificates", "several", "none"] = Field(
        description="chosen: the exam province asked for; certificates: the one province of "
        "the counting certificates; several/none: national rules only"
    )
    province_note: str = Field(description="which provisions applied and why, in words")
    provisions: list[str] = Field(description="the province's own rules and rows applied")
    target: NamedCode | None
    experience_source: Literal["declared", "certificates"]
    certificates: list[CertificateFindingView]
    exemptions: list[ExemptionView]
    deemed_levels: list[DeemedView]
    standings: list[StandingView] = Field(description="best level per occupation")
    eligible_levels: list[EligibleView]
    one_exam: list[OneExamView]
