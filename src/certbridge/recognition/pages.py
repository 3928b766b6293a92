"""The page 我能免考什么？: a worker picks a target (and the exam province, if they wish)
and reads the answer with its clauses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.http.deps import KeysDep, PersonQueryLimit, SessionDep, TodayDep
from certbridge.http.handoff import holder_ticket, open_holder_ticket
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
        "id_number": "",
        "holder": "",
        "target": "",
        "province": "",
        "education": "",
        **extra,
    }


def _render(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, TEMPLATE, context, status_code=status, headers={"Cache-Control": "no-store"}
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
    holder: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    # After a refusal the form keeps what was typed, ID number included (answers are
    # no-store); an ID number handed over sealed (http.handoff) stays sealed.
    kept = {
        "name": name,
        "id_number": id_number,
        "holder": "" if id_number else holder,
        "target": target,
        "province": province,
        "education": education,
    }
    if not id_number and not holder:
        # Opened from a result without the ID number: the form with the name filled in.
        return _render(request, _context(**kept))
    if not id_number:
        try:
            id_number = open_holder_ticket(holder, keys.seal_key)
        except InputError as exc:
            kept["holder"] = ""
            return _render(request, _context(error=exc.message, **kept), 422)
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
    # An answer page keeps the ID number sealed, like a query result: the form can be sent
    # again with another target without retyping it, and the page never holds it in clear.
    kept.update(id_number="", holder=holder_ticket(id_number, keys.seal_key))
    return _render(request, _context(answer=answer, **kept))
