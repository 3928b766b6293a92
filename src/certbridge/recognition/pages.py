"""The page 我能免考什么？: a worker picks a target (and the exam province, if they wish)
and reads the answer with its clauses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.http.deps import KeysDep, PersonQueryLimit, SessionDep, TodayDep
from certbridge.recognition import service
from certbridge.recognition.policy import load_policy

router = APIRouter(include_in_schema=False)
TEMPLATE = "recognition_page.html"


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "targets": service.target_choices(),
        "provinces": service.province_choices(),
        "educations": load_policy().education,
        "name": "",
        "target": "",
        "province": "",
        "education": "",
        **extra,
    }


def _render(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, TEMPLATE, context, status_code=status
    )
    return response


@router.get("/recognition", response_class=HTMLResponse)
def recognition_form(request: Request) -> Response:
    return _render(request, _context())


@router.post("/recognition", response_class=HTMLResponse, dependencies=[PersonQueryLimit])
def recognition_answer(
    request: Request,
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    name: Annotated[str, Form(max_length=50)] = "",
    id_number: Annotated[str, Form(max_length=40)] = "",
    target: Annotated[str, Form(max_length=60)] = "",
    province: Annotated[str, Form(max_length=2)] = "",
    education: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    # The ID number is never echoed back, not even into its own form field.
    kept = {"name": name, "target": target, "province": province, "education": education}
    try:
        answer = service.recognition_for_person(
            session,
            name=name,
            id_number=id_number,
            as_of=today,
            keys=keys,
            target=target or None,
            province=province or None,
            education=education or None,
        )
    except InputError as exc:
        return _render(request, _context(error=exc.message, **kept), 422)
    except NotFound:
        return _render(request, _context(error=NOT_FOUND_MESSAGE, **kept), 404)
    return _render(request, _context(answer=answer, **kept))
