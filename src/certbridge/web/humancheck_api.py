"""GET /api/v1/human-check/challenge: a proof-of-work challenge (ALTCHA protocol, v2)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from certbridge.errors import NotFound
from certbridge.http.guard import QueryGuard
from certbridge.http.schemas import ErrorResponse

router = APIRouter(prefix="/api/v1/human-check", tags=["人机验证 (human check)"])


class ChallengeParameters(BaseModel):
    algorithm: str = Field(examples=["PBKDF2/SHA-256"])
    cost: int = Field(description="PBKDF2 iterations per attempt")
    keyLength: int  # noqa: N815 - the protocol's own field names
    keyPrefix: str = Field(description="hex prefix the derived key must start with")  # noqa: N815
    nonce: str
    salt: str
    expiresAt: int = Field(description="Unix time after which no solution is accepted")  # noqa: N815


class Challenge(BaseModel):
    parameters: ChallengeParameters
    signature: str


@router.get(
    "/challenge",
    response_model=Challenge,
    responses={404: {"model": ErrorResponse, "description": "the human check is turned off"}},
)
async def challenge(request: Request) -> JSONResponse:
    """A signed challenge. Find a counter whose PBKDF2 key (password = nonce bytes + counter
    as a big-endian uint32, salt = salt bytes) starts with `keyPrefix`; send
    base64(JSON {"challenge", "solution": {"counter", "derivedKey"}}) as the form field
    `altcha` or the `X-Altcha` header of a person query. Each solution counts once and
    raises the client's allowance for a while (a cookie)."""
    guard: QueryGuard = request.app.state.query_guard
    if not guard.human_check.enabled:
        raise NotFound
    return JSONResponse(guard.human_check.challenge(), headers={"Cache-Control": "no-store"})
