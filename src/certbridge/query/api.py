"""JSON API of the one-stop query."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from certbridge.auth.service import Principal
from certbridge.http.authz import require_issuer_of
from certbridge.http.deps import (
    KeysDep,
    PersonQueryLimit,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TodayDep,
)
from certbridge.http.schemas import ErrorResponse
from certbridge.query import service
from certbridge.query.institutions import search_institutions
from certbridge.query.schemas import (
    NAME_MAX_LENGTH,
    InstitutionResults,
    PersonCertificates,
    VerificationView,
)
from certbridge.registry.models import Certificate
from certbridge.registry.service import certificate_for_change, check_number_shape

router = APIRouter(prefix="/api/v1", tags=["一网通查"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "no match (the same answer for any wrong part)"},
    422: {"model": ErrorResponse, "description": "input refused, with the rule"},
    429: {"model": ErrorResponse, "description": "too many person queries; see Retry-After"},
}

TypeParam = Annotated[
    str | None, Query(max_length=40, description="certificate type, when a number has several")
]
NameParam = Annotated[
    str, Query(min_length=1, max_length=NAME_MAX_LENGTH, description="holder's name")
]


@router.get(
    "/certificates",
    response_model=PersonCertificates,
    responses=ERRORS,
    dependencies=[PersonQueryLimit],
)
def list_certificates(
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    name: NameParam,
    id_number: Annotated[str, Query(min_length=1, max_length=40, description="证件号码")],
    id_type: Annotated[
        str | None,
        Query(
            max_length=20,
            description="证件类型: resident (居民身份证), hmt_permit (港澳台居民居住证), "
            "foreign_permanent (外国人永久居留身份证), passport (护照: the 3-letter nationality "
            "code, then the number, e.g. USA 123456789); absent: 居民身份证 or "
            "港澳台居民居住证, told apart by the number",
        ),
    ] = None,
) -> PersonCertificates:
    """Every certificate of one person across all schemes, with its status today."""
    return service.certificates_of_person(
        session, name=name, id_number=id_number, as_of=today, keys=keys, id_type=id_type
    )


@router.get(
    "/certificates/{number}",
    response_model=PersonCertificates,
    responses=ERRORS,
    dependencies=[PersonQueryLimit],
)
def get_certificate(
    session: SessionDep, keys: KeysDep, today: TodayDep, number: str, name: NameParam
) -> PersonCertificates:
    """One certificate by its number; the holder's name must match.

    A 特种作业 card number (T + ID number) may cover several 操作项目: all are listed.
    Plain requests are answered by `query.fastpath` with the same bytes; this route is the
    definition (and answers what the fast path passes on)."""
    return service.certificate_by_number(session, number=number, name=name, as_of=today, keys=keys)


@router.get("/institutions", response_model=InstitutionResults, responses=ERRORS)
def list_institutions(
    session: SessionDep,
    q: Annotated[
        str,
        Query(max_length=50, description="exact or partial code, occupation (焊工), or name"),
    ] = "",
    province: Annotated[str | None, Query(max_length=2, description="2-digit code")] = None,
) -> InstitutionResults:
    """Evaluation institutions: an exact code first, then those whose 备案 scope holds a
    named occupation, then partial or approximate names; a province alone lists its own.
    Needs `q`, `province` or both."""
    return InstitutionResults(
        query=q, province=province, results=search_institutions(session, q, province)
    )


@router.get("/verifications/{token}", response_model=VerificationView, responses=ERRORS)
def get_verification(session: SessionDep, today: TodayDep, token: str) -> VerificationView:
    """What a certificate's QR code shows: needs no ID number."""
    return service.verify_token(session, token, today)


class VerificationLink(BaseModel):
    token: str
    url: str


class Withdrawn(BaseModel):
    withdrawn: int


WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
}


def _issuer_certificate(
    session: SessionDep, keys: KeysDep, number: str, type_text: str | None, principal: Principal
) -> Certificate:
    check_number_shape(number)
    certificate = certificate_for_change(session, number, keys, type_text)
    require_issuer_of(principal, certificate)
    return certificate


@router.post(
    "/certificates/{number}/verification-links",
    response_model=VerificationLink,
    responses=WRITE_ERRORS,
    tags=["登记 (write)"],
)
def create_verification_link(
    number: str,
    session: SessionDep,
    keys: KeysDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    type: TypeParam = None,
) -> VerificationLink:
    """A new unguessable /v/{token} link for the certificate's QR code."""
    certificate = _issuer_certificate(session, keys, number, type, principal)
    token = service.issue_verification_token(session, certificate)
    session.commit()
    return VerificationLink(
        token=token.token, url=f"{settings.public_base_url.rstrip('/')}/v/{token.token}"
    )


@router.delete(
    "/certificates/{number}/verification-links",
    response_model=Withdrawn,
    responses=WRITE_ERRORS,
    tags=["登记 (write)"],
)
def withdraw_verification_links(
    number: str,
    session: SessionDep,
    keys: KeysDep,
    principal: PrincipalDep,
    type: TypeParam = None,
) -> Withdrawn:
    """Withdraw every verification link of the certificate: its QR codes stop resolving."""
    certificate = _issuer_certificate(session, keys, number, type, principal)
    count = service.withdraw_verification_tokens(session, certificate)
    session.commit()
    return Withdrawn(withdrawn=count)
