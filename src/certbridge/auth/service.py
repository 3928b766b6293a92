"""Creating and checking API tokens. The secret is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.auth.models import ApiToken
from certbridge.auth.scopes import parse_scope
from certbridge.clock import CHINA
from certbridge.errors import InputError

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


_DURATION = re.compile(r"(\d{1,5})\s*([dhw]|天|小时|周)")
_UNITS = {"d": timedelta(days=1), "天": timedelta(days=1), "h": timedelta(hours=1)}
_UNITS |= {"小时": timedelta(hours=1), "w": timedelta(weeks=1), "周": timedelta(weeks=1)}


def parse_expiry(text: str, now: datetime | None = None) -> datetime:
    """When a token stops working: a date (2027-06-30: it works through that day, China
    time) or a duration from now (90d, 12h, 2w; also 90天, 12小时, 2周). UTC."""
    now = now or datetime.now(UTC)
    value = text.strip()
    duration = _DURATION.fullmatch(value)
    if duration:
        moment = now + int(duration.group(1)) * _UNITS[duration.group(2)]
    else:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InputError(
                "token.expires",
                f"无法识别的过期时间：{value[:40]}（应为日期如 2027-06-30，或时长如 90d、12h）",
                field="expires",
            ) from None
        moment = datetime.combine(day + timedelta(days=1), time(), CHINA)
    if moment <= now:
        raise InputError("token.expires", "过期时间应晚于现在", field="expires")
    return moment.astimezone(UTC)


def create_token(
    session: Session,
    *,
    role: str,
    scope: str,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    grants = parse_scope(role, scope)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=_digest(secret),
        prefix=secret[:12],
        label=label,
        role=role,
        scope=",".join(grants),
        expires_at=expires_at,
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
