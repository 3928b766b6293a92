"""`certbridge token create --expires`: a date or a duration, refused when unclear or past."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge.auth.cli import app
from certbridge.auth.models import ApiToken
from certbridge.auth.service import authenticate, create_token, parse_expiry
from certbridge.config import Settings, get_settings
from certbridge.errors import InputError

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[CliRunner]:
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_a_date_means_the_token_works_through_that_day_in_china() -> None:
    assert parse_expiry("2027-06-30", NOW) == datetime(2027, 6, 30, 16, 0, tzinfo=UTC)


@given(
    amount=st.integers(min_value=1, max_value=99_999),
    unit=st.sampled_from([("d", 86_400), ("h", 3_600), ("w", 604_800), ("天", 86_400)]),
)
def test_a_duration_counts_from_now(amount: int, unit: tuple[str, int]) -> None:
    moment = parse_expiry(f"{amount}{unit[0]}", NOW)
    assert moment - NOW == timedelta(seconds=amount * unit[1])


@pytest.mark.parametrize("text", ["2026-11-28", "0d", "soon", "90", "-3d", "2026-13-01"])
def test_an_unclear_or_past_expiry_is_refused_with_the_rule(text: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_expiry(text, NOW)
    assert refused.value.code == "token.expires"
    assert refused.value.field == "expires"


def test_token_create_takes_an_expiry_and_the_token_stops_working_then(
    runner: CliRunner, session: Session
) -> None:
    created = runner.invoke(
        app, ["create", "--role", "admin", "--scope", "*", "--expires", "2099-06-30"]
    )
    assert created.exit_code == 0, created.output
    assert "失效时间 2099-07-01 00:00（北京时间）" in created.output
    secret = created.output.strip().splitlines()[-1]
    stored = session.scalars(select(ApiToken)).one()
    assert stored.expires_at is not None
    assert stored.expires_at.replace(tzinfo=UTC) == datetime(2099, 6, 30, 16, 0, tzinfo=UTC)
    assert authenticate(session, secret) is not None
    hours = runner.invoke(app, ["create", "--role", "admin", "--scope", "*", "--expires", "12h"])
    assert hours.exit_code == 0, hours.output
    refused = runner.invoke(app, ["create", "--role", "admin", "--scope", "*", "--expires", "明天"])
    assert refused.exit_code == 2
    assert "无法识别的过期时间" in refused.output
    assert "--expires" in runner.invoke(app, ["create", "--help"]).output


def test_an_expired_token_is_refused(session: Session) -> None:
    _token, secret = create_token(
        session, role="admin", scope="*", expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    session.commit()
    assert authenticate(session, secret) is None
