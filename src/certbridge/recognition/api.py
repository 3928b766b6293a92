"""JSON API of mutual recognition (互通互认)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from certbridge.http.deps import KeysDep, PersonQueryLimit, SessionDep, TodayDep
from certbridge.http.schemas import ErrorResponse
from certbridge.recognition import service
from certbridge.recognition.schemas import EvaluateRequest, RecognitionAnswer

router = APIRouter(prefix="/api/v1/recognition", tags=["互通互认"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "no match (the same answer for any wrong part)"},
    422: {"model": ErrorResponse, "description": "input refused, with the rule"},
    429: {"model": ErrorResponse, "description": "too many person queries; see Retry-After"},
}


@router.get(
    "",
    response_model=RecognitionAnswer,
    responses=ERRORS,
    dependencies=[PersonQueryLimit],
)
def recognition_of_person(
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    name: Annotated[str, Query(min_length=1, max_length=50, description="holder's name")],
    id_number: Annotated[str, Query(min_length=1, max_length=40, description="证件号码")],
    target: Annotated[
        str | None, Query(max_length=60, description="certificate applied for (name or code)")
    ] = None,
    province: Annotated[
        str | None, Query(max_length=2, description="2-digit code of the target's province")
    ] = None,
    education: Annotated[str | None, Query(max_length=20, description="e.g. 技工学校")] = None,
) -> RecognitionAnswer:
    """What the registry's certificates of one person count for today, with the clauses.

    Years of experience are estimated from the earliest certificate of each occupation."""
    return service.recognition_for_person(
        session,
        name=name,
        id_number=id_number,
        as_of=today,
        keys=keys,
        target=target,
        province=province,
        education=education,
    )


@router.post("/evaluate", response_model=RecognitionAnswer, responses=ERRORS)
def evaluate(body: EvaluateRequest, today: TodayDep) -> RecognitionAnswer:
    """Evaluate a case described in the body: needs no personal data and no database."""
    return service.evaluate_request(body, today)
