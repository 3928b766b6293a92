"""What a query result on the pages opens: each certificate's verification token (/v/{token},
its QR code and PDF).

Only the pages ask for these: the JSON API and its by-number hot path never write. A
certificate keeps its latest token that was not withdrawn; one is minted on the first
result page that shows a certificate without one (the page's request commits it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from certbridge.identity import identity_hash, parse_identity
from certbridge.query.schemas import CertificateView
from certbridge.query.service import issue_verification_token
from certbridge.registry.models import Certificate, Person, VerificationToken
from certbridge.registry.service import Keys, certificate_lookup_key


def tokens_for_person(
    session: Session,
    keys: Keys,
    id_number: str,
    as_of: date,
    views: Sequence[CertificateView],
    id_type: str | None = None,
) -> list[str]:
    """Tokens for the certificates of a person query's answer, in the answer's order."""
    identity = parse_identity(id_number, id_type, today=as_of)
    key = identity_hash(identity.kind, identity.value, keys.hash_key)
    person_id = session.scalar(select(Person.id).where(Person.id_hash == key))
    if person_id is None:
        return []
    return _tokens(session, Certificate.person_id == person_id, views)


def tokens_for_number(
    session: Session, keys: Keys, number: str, views: Sequence[CertificateView]
) -> list[str]:
    """Tokens for the certificates under one number, in the answer's order."""
    key = certificate_lookup_key(number, keys)
    return _tokens(session, Certificate.number_key == key, views)


def _tokens(
    session: Session, which: ColumnElement[bool], views: Sequence[CertificateView]
) -> list[str]:
    # Within one holder's answer, the shown number and the certificate type tell the
    # certificates apart: number and type are unique together, and a masked number is
    # the holder's own.
    found = session.scalars(select(Certificate).where(which))
    certificates = {(c.number_display, c.type_code): c for c in found}
    ids = [c.id for c in certificates.values()]
    latest: dict[int, str] = {}
    rows = session.execute(
        select(VerificationToken.certificate_id, VerificationToken.token)
        .where(VerificationToken.certificate_id.in_(ids), VerificationToken.withdrawn_at.is_(None))
        .order_by(VerificationToken.created_at, VerificationToken.token)
    )
    for certificate_id, token in rows:
        latest[certificate_id] = token
    tokens = []
    for view in views:
        certificate = certificates.get((view.number, view.type.code))
        if certificate is None:
            tokens.append("")
            continue
        if certificate.id not in latest:
            latest[certificate.id] = issue_verification_token(session, certificate).token
        tokens.append(latest[certificate.id])
    return tokens
