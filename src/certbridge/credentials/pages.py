"""Pages: verify a credential by pasting, uploading or scanning; download the printable PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from certbridge.credentials import service
from certbridge.credentials.fields import printed_fields
from certbridge.credentials.pdf import certificate_pdf
from certbridge.errors import NotFound
from certbridge.http.deps import KeysDep, SessionDep, SettingsDep, TodayDep

router = APIRouter(include_in_schema=False)
TEMPLATE = "credentials_verify.html"


def _render(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, TEMPLATE, context, status_code=status
    )
    return response


@router.get("/credentials/verify", response_class=HTMLResponse)
def verify_form(request: Request) -> Response:
    return _render(request, {})


@router.post("/credentials/verify", response_class=HTMLResponse)
async def verify_submitted(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keys: KeysDep,
    today: TodayDep,
    credential: Annotated[str, Form(max_length=200_000)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    issuance = service.cached_issuance(settings, keys)
    text: str | bytes = credential
    if upload is not None and upload.filename:
        text = await upload.read(issuance.max_bytes + 1)
    if not text or (isinstance(text, str) and not text.strip()):
        return _render(request, {"error": "请粘贴或上传数字证书（JSON）"}, 422)
    verdict = service.online_verifier(session, issuance, today).verify_text(text)
    session.commit()
    return _render(request, {"verdict": verdict.as_dict()})


@router.get("/v/{token}/certificate.pdf")
def certificate_pdf_download(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The printable certificate behind a verification link; its QR code opens that link."""
    try:
        certificate = service.certificate_of_token(session, token)
    except NotFound:
        return Response("核验链接无效或已被撤回", status_code=404, media_type="text/plain")
    url = f"{settings.public_base_url.rstrip('/')}/v/{token}"
    pdf = certificate_pdf(printed_fields(certificate), url)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="certificate.pdf"'},
    )
