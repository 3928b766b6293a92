"""Tables of the exchange domain: import runs, their committed chunks (the resume ledger),
quarantined rows, and the version history of certificate data changed by imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from certbridge.db import Base

OUTCOMES = ("accepted", "updated", "unchanged", "rejected")


class ImportRun(Base):
    """One file (or API batch) imported under one profile for one issuer.

    A run is identified by what was sent and for whom: the same file imported again under
    the same profile and issuer is the same run, which is how a killed import resumes."""

    __tablename__ = "exchange_runs"
    __table_args__ = (UniqueConstraint("sha256", "profile", "department", "province_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(16), default="")
    department: Mapped[str] = mapped_column(String(16), default="")
    province_code: Mapped[str] = mapped_column(String(2), default="")
    channel: Mapped[str] = mapped_column(String(8))  # cli / api
    actor: Mapped[str] = mapped_column(String(100))
    header: Mapped[str] = mapped_column(Text)  # JSON list, as written in the file
    ignored_columns: Mapped[str] = mapped_column(Text, default="[]")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # Why reading stopped, when it did: JSON {code, message, row}; NULL when it did not.
    # A failed run has finished too; importing the same file again resumes it.
    failure: Mapped[str | None] = mapped_column(Text)


class ImportChunk(Base):
    """Rows first_row..last_row of a run, committed in the same transaction as their data:
    a resumed run skips every row up to the last committed chunk."""

    __tablename__ = "exchange_chunks"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_runs.id", ondelete="CASCADE"), primary_key=True
    )
    first_row: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_row: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class QuarantinedRow(Base):
    """A rejected row kept verbatim (as read, JSON) with every reason it was refused."""

    __tablename__ = "exchange_quarantine"
    __table_args__ = (UniqueConstraint("run_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("exchange_runs.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    errors: Mapped[str] = mapped_column(Text)  # JSON list of {code, message, column, value}


class NameConflict(Base):
    """A row whose name differs from the one registered under its ID number: kept in
    quarantine until a department concerned or a regulator resolves it (conflicts.py).

    `department`/`province_code` are the authority the row was sent for (the uploader)."""

    __tablename__ = "exchange_conflicts"
    __table_args__ = (UniqueConstraint("run_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("exchange_runs.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    department: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(2))
    submitted_name: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(24))  # keep_registered, correct_registered
    applied: Mapped[str | None] = mapped_column(String(12))  # the row's outcome once applied


class ConflictEvent(Base):
    """The audit trail of a conflict: opened, resolved (who, why), applied (what became of
    the row). Appended only."""

    __tablename__ = "exchange_conflict_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    conflict_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_conflicts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))  # opened, resolved, applied
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class CertificateVersion(Base):
    """A change of a certificate's data by an import: what it was, what it became,
    and which run, file and row said so (谁发证、谁负责)."""

    __tablename__ = "certificate_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_runs.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    previous: Mapped[str] = mapped_column(Text)  # JSON of the compared values
    current: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


__all__ = [
    "OUTCOMES",
    "CertificateVersion",
    "ConflictEvent",
    "ImportChunk",
    "ImportRun",
    "NameConflict",
    "QuarantinedRow",
]
