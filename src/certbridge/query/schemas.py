"""What the one-stop query answers: the same shapes for JSON, pages and the CLI."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_MAX_LENGTH = 50  # characters of a holder's name in a query


class NamedCode(BaseModel):
    # Frozen: the query shares one instance per catalog entry between answers.
    model_config = ConfigDict(frozen=True)

    code: str
    name: str


class LevelView(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(description="5 = 五级/初级工 … 1 = 一级/高级技师")
    name: str = Field(description="e.g. 四级/中级工")


class IssuerView(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["authority", "institution"] = Field(
        description="authority: the department's 发证机关; institution: the evaluation "
        "institution (评价机构) that issues a 职业技能等级证书"
    )
    name: str
    department: NamedCode = Field(description="the department responsible (or supervising)")
    province: NamedCode
    supervised_by: str | None = Field(
        default=None, description="for an institution: the authority supervising it (人社厅)"
    )


class InstitutionRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    kind: str


class StatusView(BaseModel):
    code: str = Field(
        description="valid, review_due, expired, suspended, revoked, cancelled or not_issued"
    )
    label: str = Field(
        description="the scheme's word: 有效, 待复审 (待延期复核 …), 已失效, 暂扣 (or 暂停), "
        "撤销 or 吊销 (the word recorded), 注销, 尚未发证"
    )
    reason: str
    due_date: date | None = None
    counts: bool = Field(description="whether the certificate is in force on as_of")


class CertificateView(BaseModel):
    number: str = Field(description="numbers that embed an ID number are masked")
    scheme: NamedCode
    type: NamedCode
    occupation: NamedCode | None
    level: LevelView | None
    category: NamedCode | None
    issuer: IssuerView
    institution: InstitutionRef | None
    issued_on: date
    valid_until: date | None
    status: StatusView


class HolderView(BaseModel):
    name: str
    id_number_masked: str


class PersonCertificates(BaseModel):
    holder: HolderView
    as_of: date
    certificates: list[CertificateView]


class ScopeView(BaseModel):
    occupation: NamedCode
    level: LevelView


class InstitutionView(BaseModel):
    code: str
    name: str
    kind: str
    kind_label: str
    province: NamedCode
    status: str
    scopes: list[ScopeView]
    matched_by: str = Field(
        description="code (exact or part of one), occupation (in the 备案 scope), name, "
        "or province (a province alone)"
    )
    match_score: float


class InstitutionResults(BaseModel):
    query: str
    province: str | None = None
    results: list[InstitutionView]


class VerificationView(BaseModel):
    holder_name_masked: str
    as_of: date
    certificate: CertificateView
