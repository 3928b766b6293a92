"""HTML pages of the one-stop query (zh-CN). Same services as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.http.deps import KeysDep, PersonQueryLimit, SessionDep, SettingsDep, TodayDep
from certbridge.http.handoff import holder_ticket
from certbridge.identity import ID_TYPES, PROVINCES, province_name
from certbridge.query import links, service
from certbridge.query.institutions import search_institutions
from certbridge.query.schemas import PersonCertificates

router = APIRouter(include_in_schema=False)

# Answers to a form that carried an ID number: never stored by a browser or a proxy, so the
# number echoed into the form after a refusal (or sealed in a result) stays on this screen.
NO_STORE = {"Cache-Control": "no-store"}


def _render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status, headers=headers
    )
    return response


def _form_error(request: Request, exc: Exception, typed: dict[str, str]) -> Response:
    """The form again with the refusal and with what was typed, ID number included."""
    if isinstance(exc, InputError):
        message, status = exc.message, 422
    else:
        message, status = NOT_FOUND_MESSAGE, 404
    return _render(
        request, "index.html", {"error": message, "id_types": ID_TYPES, **typed}, status, NO_STORE
    )


def _results_page(
    request: Request,
    query: Callable[[], PersonCertificates],
    typed: dict[str, str],
    tokens: Callable[[PersonCertificates], list[str]],
    handoff: str = "",
) -> Response:
    """The results page with what each certificate opens, or the form again with the refusal."""
    try:
        answer = query()
    except (InputError, NotFound) as exc:
        return _form_error(request, exc, typed)
    context = {
        "holder": answer.holder,
        "as_of": answer.as_of,
        "certificates": answer.certificates,
        "link_tokens": tokens(answer),
        "handoff": handoff,
    }
    return _render(request, "results.html", context, headers=NO_STORE)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    return _render(request, "index.html", {"mode": "person", "id_types": ID_TYPES})


@router.post("/query", response_class=HTMLResponse, dependencies=[PersonQueryLimit])
def query_person(
    request: Request,
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    name: Annotated[str, Form(max_length=50)] = "",
    id_number: Annotated[str, Form(max_length=40)] = "",
    id_type: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def tokens(answer: PersonCertificates) -> list[str]:
        found = links.tokens_for_person(
            session, keys, id_number, today, answer.certificates, id_type or None
        )
        session.commit()
        return found

    return _results_page(
        request,
        lambda: service.certificates_of_person(
            session, name=name, id_number=id_number, as_of=today, keys=keys, id_type=id_type
        ),
        {"mode": "person", "name": name, "id_number": id_number, "id_type": id_type},
        tokens,
        # 我能免考什么？ for this holder: the typed ID number, sealed (http.handoff).
        handoff=holder_ticket(id_number, keys.seal_key),
    )


@router.post("/query/certificate", response_class=HTMLResponse, dependencies=[PersonQueryLimit])
def query_certificate(
    request: Request,
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    number: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    def tokens(answer: PersonCertificates) -> list[str]:
        found = links.tokens_for_number(session, keys, number, answer.certificates)
        session.commit()
        return found

    # No handoff here: name and number do not open the holder's other certificates, so
    # 我能免考什么？ opens with the name filled in and asks for the ID number.
    return _results_page(
        request,
        lambda: service.certificate_by_number(
            session, number=number, name=name, as_of=today, keys=keys
        ),
        {"mode": "number", "name": name, "number": number},
        tokens,
    )


@router.get("/institutions", response_class=HTMLResponse)
def institutions_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=50)] = "",
    province: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    context: dict[str, Any] = {
        "q": q,
        "province": province,
        "province_label": province_name(province) if province else "",
        "provinces": PROVINCES,
    }
    if q.strip() or province:
        try:
            context["results"] = search_institutions(session, q, province or None)
        except InputError as exc:
            return _render(request, "institutions.html", {**context, "error": exc.message}, 422)
    return _render(request, "institutions.html", context)


@router.get("/v/{token}", response_class=HTMLResponse)
def verification_page(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, token: str
) -> Response:
    try:
        view = service.verify_token(session, token, today)
    except NotFound:
        return _render(request, "verify.html", {"missing": True}, 404)
    context = {
        "view": view,
        "certificate": view.certificate,
        "token": token,
        "verify_url": _verify_url(settings.public_base_url, token),
    }
    return _render(request, "verify.html", context)


@router.get("/v/{token}/qr.svg")
def verification_qr(
    request: Request, session: SessionDep, settings: SettingsDep, today: TodayDep, token: str
) -> Response:
    """The QR code of a verification link, as the PDF prints it: it opens /v/{token}."""
    try:
        service.verify_token(session, token, today)
    except NotFound:
        return _render(request, "verify.html", {"missing": True}, 404)
    code = segno.make(_verify_url(settings.public_base_url, token), error="m", micro=False)
    svg = code.svg_inline(scale=6, border=2, title="证书核验二维码")
    return Response(svg, media_type="image/svg+xml")


def _verify_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/v/{token}"
