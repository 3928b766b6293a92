"""Pages: verify a credential by pasting, uploading or scanning; download the printable PDF."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from certbridge.credentials import service
from certbridge.credentials.chinatime import china_minute
from certbridge.credentials.verify import Verdict
from certbridge.errors import InputError, NotFound
from certbridge.http.deps import KeysDep, SessionDep, SettingsDep, TodayDep
from certbridge.query.service import mask_name

router = APIRouter(include_in_schema=False)
TEMPLATE = "credentials_verify.html"
MAX_FORM_CHARS = 200_000


def _render(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, TEMPLATE, context, status_code=status
    )
    return response


def verdict_view(verdict: Verdict) -> dict[str, Any]:
    """What a person reads: masked holder, certificate and issuer names, Chinese words and
    China time; algorithm names and identifiers stay in the API's JSON."""
    answer = verdict.as_dict()
    holder = answer["holder_name"]
    return {
        "verified": verdict.verified,
        "summary": verdict.summary,
        "checks": [{"label": c.label, "ok": c.ok, "detail": c.detail} for c in verdict.checks],
        "holder_name_masked": mask_name(holder) if isinstance(holder, str) and holder else None,
        "certificate_name": answer["certificate_name"],
        "certificate_number": answer["certificate_number"],
        "issuer_name": answer["issuer_name"],
        "status_as_of": china_minute(verdict.status_as_of) if verdict.status_as_of else None,
        "warnings": verdict.warnings,
        "checked_at": china_minute(service.now_utc()),
    }


@router.get("/credentials/verify", response_class=HTMLResponse)
def verify_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keys: KeysDep,
    token: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The form; with `token` (a /v/… link's), the certificate's credential filled in."""
    if not token:
        return _render(request, {})
    try:
        certificate = service.certificate_of_token(session, token)
        credential = service.issue_credential(
            session, service.cached_issuance(settings, keys), certificate
        )
    except NotFound:
        return _render(request, {"error": "核验链接无效或已被撤回"}, 404)
    except InputError as exc:
        return _render(request, {"error": exc.message}, 422)
    session.commit()
    text = json.dumps(credential, ensure_ascii=False, indent=2)
    return _render(request, {"pasted": text, "loaded": True})


@router.post("/credentials/verify", response_class=HTMLResponse)
async def verify_submitted(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keys: KeysDep,
    today: TodayDep,
    credential: Annotated[str, Form(max_length=MAX_FORM_CHARS)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    issuance = service.cached_issuance(settings, keys)
    text: str | bytes = credential
    if upload is not None and upload.filename:
        text = await upload.read(issuance.max_bytes + 1)
    # What was sent stays in the form, whatever the answer.
    pasted = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if not pasted.strip():
        return _render(request, {"error": "请粘贴或上传数字证书（JSON）"}, 422)
    verdict = service.online_verifier(session, issuance, today).verify_text(text)
    session.commit()
    context = {"verdict": verdict_view(verdict), "pasted": pasted[:MAX_FORM_CHARS]}
    return _render(request, context)


@router.get("/v/{token}/certificate.pdf")
def certificate_pdf_download(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The printable certificate behind a verification link; its QR code opens that link.
    A certificate that does not count today is stamped with its status, not refused: the
    holder may need the record, and the stamp says what it is worth."""
    try:
        certificate = service.certificate_of_token(session, token)
    except NotFound:
        return Response("核验链接无效或已被撤回", status_code=404, media_type="text/plain")
    url = f"{settings.public_base_url.rstrip('/')}/v/{token}"
    return Response(
        service.printable_pdf(certificate, url),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="certificate.pdf"'},
    )
