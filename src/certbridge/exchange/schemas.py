"""What an import run reports (CLI --json and the batch endpoint answer the same)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class RowProblem(BaseModel):
    code: str = Field(description="stable error code, e.g. id_number.checksum")
    message: str = Field(description="Chinese message naming the column, value and rule")
    column: str | None = Field(description="the column as labelled in the file")
    value: str | None


class RejectedRow(BaseModel):
    row: int = Field(description="row number in the file (1 = first line or sheet row)")
    raw: dict[str, Any] = Field(
        description="the row as read (a value over 1,000 characters: its start and length)"
    )
    errors: list[RowProblem]
    conflict_id: int | None = Field(
        default=None, description="the name conflict opened for this row, if any"
    )


class Failure(BaseModel):
    code: str
    message: str
    row: int | None = Field(description="the row where reading stopped")


class RunReport(BaseModel):
    run_id: int
    status: Literal["completed", "failed", "interrupted"] = Field(
        description="completed; failed (reading stopped, `failure` says where and why: "
        "importing the file again resumes it); interrupted (not finished yet, or killed)"
    )
    summary: str = Field(description="one line in Chinese: what became of the file")
    failure: Failure | None = None
    kind: str
    profile: str
    file_name: str
    sha256: str
    encoding: str | None
    department: str | None
    province_code: str | None
    started_at: datetime | None
    finished_at: datetime | None
    rows_read: int
    accepted: int
    updated: int
    unchanged: int
    rejected: int
    conflicts: int = Field(description="rows quarantined as name conflicts to resolve")
    balanced: bool = Field(description="rows_read = accepted + updated + unchanged + rejected")
    resumed: bool = Field(description="this command continued an interrupted run")
    already_imported: bool = Field(description="the same file was imported before: no change")
    ignored_columns: list[str]
    rejected_rows: list[RejectedRow] = Field(description="the first rejected rows (up to 50)")


class Authority(BaseModel):
    department: str
    province_code: str
    name: str


class ConflictEventView(BaseModel):
    kind: Literal["opened", "resolved", "applied"]
    actor: str
    reason: str
    detail: dict[str, Any]
    recorded_at: datetime | None


class ConflictCertificate(BaseModel):
    type: str
    number: str = Field(description="masked where the number embeds an ID number")
    issued_on: date


class ConflictView(BaseModel):
    """A name conflict as one party may see it: the registered name, the person's
    issuers and the history's previous names only for issuers and regulators."""

    id: int
    run_id: int
    row: int
    file_name: str
    uploader: Authority
    holder_id_masked: str
    submitted_name: str
    registered_name: str | None = Field(
        description="only for an issuer of the person's certificates or a regulator"
    )
    issuers: list[Authority]
    status: Literal["open", "resolved"]
    outcome: str | None
    outcome_label: str | None
    applied: str | None = Field(description="what became of the row once applied")
    opened_at: datetime | None
    resolved_at: datetime | None
    access: Literal["uploader", "issuer", "regulator"]
    may_correct: bool = Field(description="this party may choose correct_registered")
    certificate: ConflictCertificate | None = None
    history: list[ConflictEventView] = Field(default_factory=list)


class ConflictList(BaseModel):
    conflicts: list[ConflictView]


class Resolution(BaseModel):
    outcome: Literal["keep_registered", "correct_registered"] = Field(
        description="keep_registered: the registered name stands, the row is not imported; "
        "correct_registered: the registered name becomes the row's, and the row is imported"
    )
    reason: str = Field(min_length=1, max_length=500, description="why (kept in the audit trail)")
