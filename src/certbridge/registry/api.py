"""Write side of the registry: status changes by the issuing department."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from certbridge.http.authz import require_issuer_of
from certbridge.http.deps import KeysDep, PrincipalDep, SessionDep, TodayDep
from certbridge.http.schemas import ErrorResponse
from certbridge.registry.service import certificate_for_change, check_number_shape, record_event

router = APIRouter(prefix="/api/v1", tags=["登记 (write)"])

ACTION_TO_EVENT = {
    "suspend": "suspended",
    "reinstate": "reinstated",
    "revoke": "revoked",
    "review": "reviewed",
}


class StatusChange(BaseModel):
    action: Literal["suspend", "reinstate", "revoke", "review"]
    reason: str = Field(min_length=1, max_length=500)
    effective_on: date | None = Field(default=None, description="defaults to today")
    type: str | None = Field(
        default=None, max_length=40, description="certificate type, when a number has several"
    )


class StatusChanged(BaseModel):
    number: str
    state: str
    event: str
    effective_on: date
    actor: str
    reason: str


@router.post(
    "/certificates/{number}/status",
    response_model=StatusChanged,
    responses={
        401: {"model": ErrorResponse},
        403: {"model": ErrorResponse},
        404: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
    },
)
def change_status(
    number: str,
    change: Annotated[StatusChange, Body()],
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    principal: PrincipalDep,
) -> StatusChanged:
    """Suspend, reinstate, revoke or record a review (复审/延期复核); appended to the history."""
    check_number_shape(number)
    certificate = certificate_for_change(session, number, keys, change.type)
    require_issuer_of(principal, certificate)
    event = record_event(
        session,
        certificate,
        kind=ACTION_TO_EVENT[change.action],
        effective_on=change.effective_on or today,
        actor=principal.actor,
        reason=change.reason,
        source="api",
    )
    session.commit()
    return StatusChanged(
        number=certificate.number_display,
        state=certificate.state,
        event=event.kind,
        effective_on=event.effective_on,
        actor=event.actor,
        reason=event.reason,
    )
