"""What an import run reports (CLI --json and the batch endpoint answer the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class RowProblem(BaseModel):
    code: str = Field(description="stable error code, e.g. id_number.checksum")
    message: str = Field(description="Chinese message naming the column, value and rule")
    column: str | None = Field(description="the column as labelled in the file")
    value: str | None


class RejectedRow(BaseModel):
    row: int = Field(description="row number in the file (1 = first line or sheet row)")
    raw: dict[str, Any] = Field(description="the row as read, verbatim")
    errors: list[RowProblem]


class RunReport(BaseModel):
    run_id: int
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
    balanced: bool = Field(description="rows_read = accepted + updated + unchanged + rejected")
    resumed: bool = Field(description="this command continued an interrupted run")
    already_imported: bool = Field(description="the same file was imported before: no change")
    ignored_columns: list[str]
    rejected_rows: list[RejectedRow] = Field(description="the first rejected rows (up to 50)")
