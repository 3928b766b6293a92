"""Creating and checking API tokens. The secret is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.auth.models import ApiToken
from certbridge.auth.scopes import parse_scope

TOKEN_PREFIX = "cbt_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class Principal:
    token_id: int
    role: str
    grants: tuple[str, ...]
    label: str

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}:{self.label or self.role}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, *, role: str, scope: str, label: str = ""
) -> tuple[ApiToken, str]:
    grants = parse_scope(role, scope)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=_digest(secret),
        prefix=secret[:12],
        label=label,
        role=role,
        scope=",".join(grants),
    )
    session.add(token)
    session.flush()
    return token, secret


def authenticate(session: Session, secret: str) -> Principal | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and _aware(token.expires_at) <= datetime.now(UTC):
        return None
    return Principal(token.id, token.role, parse_scope(token.role, token.scope), token.label)


def revoke_token(session: Session, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = datetime.now(UTC)
    session.flush()
    return True


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
