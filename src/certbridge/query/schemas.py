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


class ReviewView(BaseModel):
    due_on: date = Field(description="the date the review was due")
    done_on: date | None = Field(description="the date of the review that met it; null: not done")


class ReviewHistoryView(BaseModel):
    """The reviews (复审, 延期复核 …) of a scheme that has them, as the export's columns."""

    word: str = Field(description="the scheme's word for its review, e.g. 复审 or 延期复核")
    history: list[ReviewView] = Field(
        description="each due date in turn; the last is the next or the missed one (done_on null)"
    )
    last_done_on: date | None = Field(description="最近复审日期 (or the scheme's word)")
    next_due_on: date | None = Field(
        description="下次复审日期 (or the scheme's word); in the past when it was missed; "
        "null when none is due or the certificate was revoked"
    )


class CertificateView(BaseModel):
    number: str = Field(description="numbers that embed an ID number are masked")
    scheme: NamedCode
    type: NamedCode
    item_code: str | None = Field(
        default=None, description="作业项目代号 of 特种设备 certificates (N1, Q2 …)"
    )
    occupation: NamedCode | None
    level: LevelView | None
    category: NamedCode | None
    issuer: IssuerView
    institution: InstitutionRef | None
    employer: str | None = Field(
        default=None, description="聘用单位, where the issuing department sent it"
    )
    issued_on: date
    valid_until: date | None
    status: StatusView
    reviews: ReviewHistoryView | None = Field(
        default=None, description="review history; null for schemes without reviews"
    )


SexCode = Literal["male", "female", "unknown"]


class HolderView(BaseModel):
    name: str
    id_number_masked: str
    id_type: NamedCode | None = Field(
        default=None,
        description="证件类型: resident, hmt_permit, foreign_permanent or passport",
    )
    sex: SexCode = Field(
        default="unknown",
        description="from the ID number's 17th digit (居民身份证, 港澳台居民居住证); "
        "unknown for other documents",
    )
    sex_label: str = Field(default="未知", description="男, 女 or 未知")


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
