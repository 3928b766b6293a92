"""Registry tables: persons, certificates, issuers, institutions, status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certbridge.catalog import STANDING_WORDS
from certbridge.db import Base

CERTIFICATE_STATES = ("active", "suspended", "revoked", "cancelled")
EMPLOYER_MAX_LENGTH = 120
EVENT_KINDS = (
    "issued",
    "reviewed",
    "suspended",
    "reinstated",
    "revoked",
    "cancelled",
    "corrected",
)
# The regulations' words an event may record for its change of standing (catalog
# STANDING_WORDS); empty for the other kinds.
EVENT_WORDS = ("", *(word for words in STANDING_WORDS.values() for word in words))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class IssuingAuthority(Base):
    """A department in a province (e.g. 应急管理 × 山西), the 发证机关."""

    __tablename__ = "issuing_authorities"
    __table_args__ = (UniqueConstraint("department", "province_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(100))


class Institution(Base):
    """An evaluation institution (评价机构): 用人单位 (Y) or 社会培训评价组织 (S)."""

    __tablename__ = "institutions"
    __table_args__ = (
        CheckConstraint("kind IN ('Y', 'S')", name="kind"),
        CheckConstraint("status IN ('active', 'suspended', 'revoked')", name="status"),
        Index(None, "province_code", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(1))
    filing_code: Mapped[str] = mapped_column(String(4))
    province_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(12), default="active")
    scopes: Mapped[list[InstitutionScope]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", lazy="selectin"
    )


class InstitutionScope(Base):
    """What an institution is filed (备案) to evaluate: one occupation at one level."""

    __tablename__ = "institution_scopes"

    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True
    )
    occupation_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    institution: Mapped[Institution] = relationship(back_populates="scopes")


class Person(Base):
    """A holder. The clear ID number is never stored: only its keyed hash,
    a masked form for display, and a sealed (encrypted) copy for the issuer's own export."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(String(24))
    id_kind: Mapped[str] = mapped_column(String(12))
    id_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    certificates: Mapped[list[Certificate]] = relationship(back_populates="person")


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint(_in("state", CERTIFICATE_STATES), name="state"),
        CheckConstraint("level IS NULL OR (level BETWEEN 1 AND 5)", name="level"),
        # A 特种作业 card number ("T" + ID number) covers one record per 操作项目;
        # this index also serves lookups by number_key alone.
        UniqueConstraint("number_key", "type_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed hash of the normalised number: some numbers embed an ID number.
    number_key: Mapped[str] = mapped_column(String(64))
    number_display: Mapped[str] = mapped_column(String(40))
    scheme: Mapped[str] = mapped_column(String(32))
    type_code: Mapped[str] = mapped_column(String(64))
    occupation_code: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[int | None] = mapped_column(SmallInteger)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuing_authorities.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # 聘用单位, where the issuing department's file names it (exchange profiles).
    employer: Mapped[str | None] = mapped_column(String(EMPLOYER_MAX_LENGTH))
    # The standing in force (events dated later have not taken effect), kept in step with
    # the event log for fast filtering.
    state: Mapped[str] = mapped_column(String(12), default="active")
    # The event log settled (registry.settlement): status on any date from `settled_through`
    # on, without replaying the log. NULL through = not settled yet, or made stale by a
    # database trigger when an event arrives or the dates change.
    settled_through: Mapped[date | None] = mapped_column(Date)
    settled_standing: Mapped[str | None] = mapped_column(String(12))
    settled_due_on: Mapped[date | None] = mapped_column(Date)
    settled_until: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    person: Mapped[Person] = relationship(back_populates="certificates")
    issuer: Mapped[IssuingAuthority] = relationship()
    institution: Mapped[Institution | None] = relationship()
    events: Mapped[list[CertificateEvent]] = relationship(
        back_populates="certificate", order_by="CertificateEvent.id"
    )


class CertificateEvent(Base):
    """Append-only status history: who did what to a certificate, when and why."""

    __tablename__ = "certificate_events"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        CheckConstraint(_in("word", EVENT_WORDS), name="word"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    # The department's own word for a change of standing (暂扣, 吊销, 撤销, 注销 …).
    word: Mapped[str] = mapped_column(String(8), default="", server_default="")
    certificate: Mapped[Certificate] = relationship(back_populates="events")


class VerificationToken(Base):
    """The unguessable token behind a certificate's QR code (/v/{token})."""

    __tablename__ = "verification_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = [
    "CERTIFICATE_STATES",
    "EVENT_KINDS",
    "EVENT_WORDS",
    "Certificate",
    "CertificateEvent",
    "Institution",
    "InstitutionScope",
    "IssuingAuthority",
    "Person",
    "VerificationToken",
]
