"""What the recognition surfaces take and answer: one shape for the API, the CLI and pages."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=60, description="Chinese name, alias or type code")
    level: int | str | None = Field(default=None, description="5 (五级/初级工) … 1, or null")
    issued: date
    valid_until: date | None = Field(default=None, description="default: issue date + validity")
    status: Literal["valid", "suspended", "revoked"] = "valid"


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
        default=None, description="2-digit code of the target's issuing province"
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
    rule_ids: list[str]
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class DeemedView(BaseModel):
    occupation: str
    occupation_name: str
    level: int
    level_name: str
    via: list[NamedCode]
    rule_ids: list[str]
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
    rule_ids: list[str]
    citations: list[CitationView]
    unconfirmed: bool = Field(description="rests only on secondary sources")


class HolderView(BaseModel):
    name: str
    id_number_masked: str


class RecognitionAnswer(BaseModel):
    as_of: date
    holder: HolderView | None = None
    province: NamedCode | None
    target: NamedCode | None
    experience_source: Literal["declared", "certificates"]
    certificates: list[CertificateFindingView]
    exemptions: list[ExemptionView]
    deemed_levels: list[DeemedView]
    eligible_levels: list[EligibleView]
    one_exam: list[OneExamView]
