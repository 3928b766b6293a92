"""Write side of the registry: status changes by the issuing department."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from certbridge.http.authz import require_issuer_of
from certbridge.http.deps import KeysDep, PrincipalDep, SessionDep, SettingsDep, TodayDep
from certbridge.http.schemas import ErrorResponse
from certbridge.registry.service import certificate_for_change, check_number_shape, record_event

router = APIRouter(prefix="/api/v1", tags=["登记 (write)"])

ACTION_TO_EVENT = {
    "suspend": "suspended",
    "reinstate": "reinstated",
    "revoke": "revoked",
    "cancel": "cancelled",
    "review": "reviewed",
}


class StatusChange(BaseModel):
    action: Literal["suspend", "reinstate", "revoke", "cancel", "review"] = Field(
        description="suspend (暂扣), reinstate (恢复), revoke (撤销 or 吊销, a penalty or a "
        "fault), cancel (注销: death, the holder's request, or after a revocation), review "
        "(复审/延期复核 done)"
    )
    reason: str = Field(min_length=1, max_length=500)
    effective_on: date | None = Field(
        default=None,
        description="defaults to today (China); not before the issue date; a review never "
        "after today, a change of standing at most CERTBRIDGE_SCHEDULED_CHANGE_DAYS ahead "
        "(it takes effect on its day)",
    )
    word: str = Field(
        default="",
        max_length=8,
        description="the department's word for the change when it has a choice: 暂扣 or 暂停, "
        "撤销 or 吊销, 注销; defaults to the scheme's own word",
    )
    type: str | None = Field(
        default=None, max_length=40, description="certificate type, when a number has several"
    )


class StatusChanged(BaseModel):
    number: str
    state: str = Field(description="standing in force today: active, suspended, revoked, cancelled")
    event: str
    word: str = Field(description="the word recorded with the change (暂扣, 吊销 …), or empty")
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
    settings: SettingsDep,
) -> StatusChanged:
    """Suspend, reinstate, revoke, cancel or record a review (复审/延期复核); appended to
    the history."""
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
        word=change.word,
        today=today,
        schedule_days=settings.scheduled_change_days,
    )
    session.commit()
    return StatusChanged(
        number=certificate.number_display,
        state=certificate.state,
        event=event.kind,
        word=event.word,
        effective_on=event.effective_on,
        actor=event.actor,
        reason=event.reason,
    )
