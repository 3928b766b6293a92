"""HTML pages of the one-stop query (zh-CN). Same services as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.http.deps import KeysDep, PersonQueryLimit, SessionDep, TodayDep
from certbridge.identity import ID_TYPES, PROVINCES
from certbridge.query import service
from certbridge.query.institutions import search_institutions
from certbridge.query.schemas import PersonCertificates

router = APIRouter(include_in_schema=False)


def _render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    return response


def _form_error(
    request: Request, exc: Exception, name: str, mode: str, id_type: str | None = None
) -> Response:
    if isinstance(exc, InputError):
        message, status = exc.message, 422
    else:
        message, status = NOT_FOUND_MESSAGE, 404
    # The ID number is never echoed back, even into its own form field.
    context = {"error": message, "name": name, "mode": mode, "id_types": ID_TYPES}
    if id_type in ID_TYPES:
        context["id_type"] = id_type
    return _render(request, "index.html", context, status)


def _results_page(
    request: Request,
    query: Callable[[], PersonCertificates],
    name: str,
    mode: str,
    id_type: str | None = None,
) -> Response:
    """The results page, or the form again with the refusal (never the ID number)."""
    try:
        answer = query()
    except (InputError, NotFound) as exc:
        return _form_error(request, exc, name, mode, id_type)
    context = {"holder": answer.holder, "as_of": answer.as_of, "certificates": answer.certificates}
    return _render(request, "results.html", context)


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
    return _results_page(
        request,
        lambda: service.certificates_of_person(
            session, name=name, id_number=id_number, as_of=today, keys=keys, id_type=id_type
        ),
        name,
        "person",
        id_type,
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
    return _results_page(
        request,
        lambda: service.certificate_by_number(
            session, number=number, name=name, as_of=today, keys=keys
        ),
        name,
        "number",
    )


@router.get("/institutions", response_class=HTMLResponse)
def institutions_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=50)] = "",
    province: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    context: dict[str, Any] = {"q": q, "province": province, "provinces": PROVINCES}
    if q.strip():
        try:
            context["results"] = search_institutions(session, q, province or None)
        except InputError as exc:
            return _render(request, "institutions.html", {**context, "error": exc.message}, 422)
    return _render(request, "institutions.html", context)


@router.get("/v/{token}", response_class=HTMLResponse)
def verification_page(
    request: Request, session: SessionDep, today: TodayDep, token: str
) -> Response:
    try:
        view = service.verify_token(session, token, today)
    except NotFound:
        return _render(request, "verify.html", {"missing": True}, 404)
    context = {"view": view, "certificate": view.certificate, "token": token}
    return _render(request, "verify.html", context)
