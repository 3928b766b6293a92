"""一网通查: every certificate of a person, one certificate by number, institutions."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from certbridge.catalog import load_catalog
from certbridge.errors import NOT_FOUND_MESSAGE, NotFound
from certbridge.identity import parse_id_number, province_name, validate_name
from certbridge.query.schemas import (
    CertificateView,
    HolderView,
    InstitutionRef,
    IssuerView,
    LevelView,
    NamedCode,
    PersonCertificates,
    StatusView,
    VerificationView,
)
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.models import Certificate, Person, VerificationToken
from certbridge.registry.service import (
    Keys,
    certificate_lookup_key,
    check_number_shape,
    find_person,
)


def certificates_of_person(
    session: Session, *, name: str, id_number: str, as_of: date, keys: Keys
) -> PersonCertificates:
    clean_name = validate_name(name)
    parsed = parse_id_number(id_number, today=as_of)
    person = find_person(session, parsed, keys)
    if person is None or person.name != clean_name:
        raise NotFound
    certificates = session.scalars(
        _certificates_with_relations().where(Certificate.person_id == person.id)
    ).all()
    return PersonCertificates(
        holder=HolderView(name=person.name, id_number_masked=person.id_masked),
        as_of=as_of,
        certificates=sorted((certificate_view(c, as_of) for c in certificates), key=_display_order),
    )


def certificate_by_number(
    session: Session, *, number: str, name: str, as_of: date, keys: Keys
) -> PersonCertificates:
    """The certificate with this number (a 特种作业 card number may cover several 操作项目)."""
    clean_name = validate_name(name)
    check_number_shape(number)
    certificates = session.scalars(
        _certificates_with_relations()
        .where(Certificate.number_key == certificate_lookup_key(number, keys))
        .order_by(Certificate.id)
    ).all()
    if not certificates or certificates[0].person.name != clean_name:
        raise NotFound
    person = certificates[0].person
    return PersonCertificates(
        holder=HolderView(name=person.name, id_number_masked=person.id_masked),
        as_of=as_of,
        certificates=[certificate_view(c, as_of) for c in certificates],
    )


def _certificates_with_relations() -> Select[Certificate]:
    return select(Certificate).options(
        selectinload(Certificate.person),
        selectinload(Certificate.issuer),
        selectinload(Certificate.institution),
        selectinload(Certificate.events),
    )


def _display_order(view: CertificateView) -> tuple[int, date]:
    return (0 if view.status.counts else 1, view.issued_on)


def certificate_view(certificate: Certificate, as_of: date) -> CertificateView:
    catalog = load_catalog()
    scheme = catalog.scheme(certificate.scheme)
    cert_type = catalog.types[certificate.type_code]
    status = status_on(
        scheme.validity,
        issued=certificate.issued_on,
        valid_until=certificate.valid_until,
        events=[Event(e.kind, e.effective_on, e.reason) for e in certificate.events],
        as_of=as_of,
        review_label=scheme.validity.review_kind_zh,
    )
    occupation = (
        catalog.occupations.get(certificate.occupation_code)
        if certificate.occupation_code
        else None
    )
    level = catalog.levels[certificate.level] if certificate.level else None
    issuer = certificate.issuer
    institution = certificate.institution
    return CertificateView(
        number=certificate.number_display,
        scheme=NamedCode(code=scheme.code, name=scheme.name_zh),
        type=NamedCode(code=cert_type.code, name=cert_type.name_zh),
        occupation=NamedCode(code=occupation.code, name=occupation.name_zh) if occupation else None,
        level=LevelView(number=level.number, name=level.label) if level else None,
        category=(
            NamedCode(code=cert_type.category_code, name=cert_type.category_name_zh or "")
            if cert_type.category_code
            else None
        ),
        issuer=IssuerView(
            name=issuer.name,
            department=NamedCode(
                code=issuer.department, name=catalog.departments[issuer.department].short_zh
            ),
            province=NamedCode(
                code=issuer.province_code, name=province_name(issuer.province_code) or ""
            ),
        ),
        institution=(
            InstitutionRef(code=institution.code, name=institution.name, kind=institution.kind)
            if institution
            else None
        ),
        issued_on=certificate.issued_on,
        valid_until=status.valid_until,
        status=StatusView(
            code=status.code,
            label=status.label,
            reason=status.reason,
            due_date=status.due_date,
            counts=status.counts,
        ),
    )


def mask_name(name: str) -> str:
    """Keep the surname (and the last character of longer names): 王*明, 李*."""
    chars = list(name)
    if len(chars) <= 2:
        return chars[0] + "*" * (len(chars) - 1)
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def issue_verification_token(session: Session, certificate: Certificate) -> VerificationToken:
    token = VerificationToken(token=secrets.token_urlsafe(24), certificate_id=certificate.id)
    session.add(token)
    session.flush()
    return token


def withdraw_verification_tokens(session: Session, certificate: Certificate) -> int:
    tokens: Sequence[VerificationToken] = session.scalars(
        select(VerificationToken).where(
            VerificationToken.certificate_id == certificate.id,
            VerificationToken.withdrawn_at.is_(None),
        )
    ).all()
    for token in tokens:
        token.withdrawn_at = datetime.now(UTC)
    session.flush()
    return len(tokens)


def verify_token(session: Session, token: str, as_of: date) -> VerificationView:
    if not re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", token):
        raise NotFound
    found = session.scalar(
        select(VerificationToken).where(
            VerificationToken.token == token, VerificationToken.withdrawn_at.is_(None)
        )
    )
    if found is None:
        raise NotFound
    certificate = session.scalar(
        _certificates_with_relations().where(Certificate.id == found.certificate_id)
    )
    if certificate is None:
        raise NotFound
    return VerificationView(
        holder_name_masked=mask_name(certificate.person.name),
        as_of=as_of,
        certificate=certificate_view(certificate, as_of),
    )


__all__ = [
    "NOT_FOUND_MESSAGE",
    "NotFound",
    "Person",
    "certificate_by_number",
    "certificate_view",
    "certificates_of_person",
    "issue_verification_token",
    "mask_name",
    "verify_token",
    "withdraw_verification_tokens",
]
