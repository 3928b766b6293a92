"""Tables of the credentials domain: issuer keys, status lists, status entries, issued credentials.

Private keys are not here: they live encrypted in the key store (keystore.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from certbridge.db import Base

ACTIVE_KEY = text("retired_at IS NULL AND compromised_from IS NULL")


class CredentialIssuer(Base):
    """One row per issuer with keys. Creating or rotating a key first writes this row, so
    concurrent first issuances wait for each other and make one key, not one each."""

    __tablename__ = "credential_issuers"

    issuer_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_changes: Mapped[int] = mapped_column(Integer, default=0)


class IssuerKey(Base):
    """One Ed25519 key of an issuer's did:web identity. Rotation retires a key from signing
    but keeps it in the DID document; a compromised key fails from `compromised_from` on."""

    __tablename__ = "credential_issuer_keys"
    __table_args__ = (
        # At most one key in use per issuer, whatever the concurrency (issuer_lock serialises
        # the writers; this index is the database's own guarantee).
        Index(
            "uq_credential_issuer_keys_in_use",
            "issuer_slug",
            unique=True,
            sqlite_where=ACTIVE_KEY,
            postgresql_where=ACTIVE_KEY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_slug: Mapped[str] = mapped_column(String(64), index=True)
    public_key_multibase: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    compromised_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatusList(Base):
    """One Bitstring Status List (131,072 bits) of an issuer for one purpose."""

    __tablename__ = "credential_status_lists"
    __table_args__ = (
        UniqueConstraint("issuer_slug", "purpose", "sequence"),
        CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_slug: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(12))
    sequence: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StatusEntry(Base):
    """A certificate's random index, the same in its issuer's revocation and suspension lists;
    every credential issued for the certificate carries it, so one flip covers them all."""

    __tablename__ = "credential_status_entries"
    __table_args__ = (UniqueConstraint("issuer_slug", "sequence", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), unique=True)
    issuer_slug: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)


class IssuedCredential(Base):
    """Each credential issued: lets an online verifier check it against the registry."""

    __tablename__ = "credentials_issued"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    public_key_multibase: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PublishedTrustList(Base):
    """Each published trust list of issuers (trustlist.py): `sequence` only grows, and a new
    one is signed when the keys change or the latest is due for refresh."""

    __tablename__ = "credential_trust_lists"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    content_digest: Mapped[str] = mapped_column(String(64))
    root_key: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)


__all__ = [
    "CredentialIssuer",
    "IssuedCredential",
    "IssuerKey",
    "PublishedTrustList",
    "StatusEntry",
    "StatusList",
]
