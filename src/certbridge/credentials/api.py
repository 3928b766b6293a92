"""Credentials over HTTP: DID documents, our context, status lists, verification, issuance."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from certbridge.credentials import service
from certbridge.credentials.documents import OUR_FILE, context_text
from certbridge.credentials.trustlist import TRUST_LIST_PATH
from certbridge.errors import InputError
from certbridge.http.authz import require_issuer_of
from certbridge.http.deps import KeysDep, PrincipalDep, SessionDep, SettingsDep, TodayDep
from certbridge.http.errors import error_body
from certbridge.http.schemas import ErrorResponse
from certbridge.registry.service import certificate_for_change, check_number_shape

router = APIRouter(tags=["数字证书 (credentials)"])

SLUG = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]
LD_JSON = "application/ld+json"


def _json(
    document: dict[str, Any], media_type: str = "application/json", **headers: str
) -> Response:
    body = json.dumps(document, ensure_ascii=False)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/issuers/{slug}/did.json", responses={404: {"model": ErrorResponse}})
def did_document(slug: SLUG, session: SessionDep, settings: SettingsDep) -> Response:
    """The did:web document of an issuer: every key it ever signed with (Multikey)."""
    document = service.did_document_of(session, settings.public_base_url.rstrip("/"), slug)
    return _json(document, "application/did+json", **{"Cache-Control": "max-age=300"})


@router.get(TRUST_LIST_PATH, responses={503: {"model": ErrorResponse}})
def trust_list(session: SessionDep, settings: SettingsDep, keys: KeysDep) -> Response:
    """The trust list of issuers (DIDs, keys with their windows, compromise dates), signed
    by the registry root key: what an offline verifier pins its trust on. Refresh it at
    least daily; `sequence` only grows and `validUntil` bounds a copy's use."""
    try:
        issuance = service.cached_issuance(settings, keys)
        try:
            document = service.current_trust_list(session, issuance)
            session.commit()
        except IntegrityError:  # a concurrent request published this sequence first
            session.rollback()
            document = service.current_trust_list(session, issuance)
            session.commit()
    except InputError as exc:
        return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=503)
    return _json(document, **{"Cache-Control": "max-age=300"})


@router.get("/contexts/certbridge/v1.jsonld")
def our_context() -> Response:
    """Our JSON-LD context, version 1: defines every certificate field. Never edited."""
    return Response(
        context_text(OUR_FILE),
        media_type=LD_JSON,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get(
    "/credentials/status/{slug}/{purpose}/{sequence}", responses={404: {"model": ErrorResponse}}
)
def status_list(
    slug: SLUG,
    purpose: Annotated[str, Path(pattern="^(revocation|suspension)$")],
    sequence: Annotated[int, Path(ge=1, le=1_000_000)],
    session: SessionDep,
    settings: SettingsDep,
    keys: KeysDep,
) -> Response:
    """A signed BitstringStatusListCredential; cache it for its ttl."""
    issuance = service.cached_issuance(settings, keys)
    document = service.status_list_credential(session, issuance, slug, purpose, sequence)
    session.commit()  # the first request may create the issuer's key
    max_age = str(issuance.ttl_ms // 1000)
    return _json(document, **{"Cache-Control": f"max-age={max_age}"})


class CheckView(BaseModel):
    code: str
    label: str
    ok: bool | None
    detail: str


class VerdictView(BaseModel):
    verified: bool
    summary: str
    failed_check: str | None
    checks: list[CheckView]
    credential_id: Any = None
    certificate_number: Any = None
    holder_name: Any = None


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds the limit (never read it all)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/api/v1/credentials/verify",
    response_model=VerdictView,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def verify_credential(
    request: Request, session: SessionDep, settings: SettingsDep, keys: KeysDep, today: TodayDep
) -> JSONResponse:
    """Verify a credential (the JSON as the request body). Always a verdict, check by check:
    a bad credential is `verified: false` naming the failed check, not an error."""
    issuance = service.cached_issuance(settings, keys)
    body = await read_limited(request, issuance.max_bytes)
    verifier = service.online_verifier(session, issuance, today)
    if body is None:
        verdict = verifier.verify_text(b" " * (issuance.max_bytes + 1))
    else:
        verdict = verifier.verify_text(body)
    session.commit()
    return JSONResponse(verdict.as_dict())


@router.post(
    "/api/v1/certificates/{number}/credential",
    responses={
        401: {"model": ErrorResponse},
        403: {"model": ErrorResponse},
        404: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
    },
)
def issue_credential(
    number: str,
    session: SessionDep,
    settings: SettingsDep,
    keys: KeysDep,
    principal: PrincipalDep,
    type: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Issue the certificate as a signed Verifiable Credential (issuing department only)."""
    check_number_shape(number)
    certificate = certificate_for_change(session, number, keys, type)
    require_issuer_of(principal, certificate)
    credential = service.issue_credential(
        session, service.cached_issuance(settings, keys), certificate
    )
    session.commit()
    return _json(credential, "application/vc+ld+json")
