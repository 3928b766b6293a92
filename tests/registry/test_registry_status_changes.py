"""Status changes through the API and the CLI, on SQLite and PostgreSQL: the validity in
force survives a suspension, dates are checked, the regulations' words are kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge import clock
from certbridge.auth.service import create_token
from certbridge.cli.main import app
from certbridge.config import get_settings
from certbridge.credentials import service as credentials
from certbridge.credentials.models import StatusEntry, StatusList
from certbridge.credentials.settings import get_credential_settings
from certbridge.credentials.statuslist import bit
from certbridge.registry.models import Certificate, CertificateEvent
from certbridge.registry.service import apply_due_standings, record_event

TODAY = clock.today()


@pytest.fixture
def card(registry, session: Session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A 特种作业 card issued six and a half years ago, renewed at three and six years:
    printed valid until the sixth anniversary, in force until the twelfth."""
    person, id_number = registry.person("吕宏强", birth=date(1992, 1, 22), address="350782")
    issued = TODAY - timedelta(days=round(6.5 * 365))
    certificate, number = registry.certificate(
        person, id_number, "熔化焊接与热切割作业", issued=issued, province="35"
    )
    for years in (3, 6):
        due = issued.replace(year=issued.year + years)
        record_event(
            session,
            certificate,
            kind="reviewed",
            effective_on=due - timedelta(days=20),
            actor="t",
            reason="复审合格",
        )
    session.commit()
    return {"number": number, "name": "吕宏强", "id_number": id_number, "id": certificate.id}


def _token(session: Session, scope: str = "mem:35") -> dict[str, str]:
    _, secret = create_token(session, role="department", scope=scope, label="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _change(client: TestClient, headers: dict[str, str], number: str, **body: Any) -> Any:
    return client.post(f"/api/v1/certificates/{number}/status", headers=headers, json=body)


def _answers(client: TestClient, card: dict[str, Any]) -> list[dict[str, Any]]:
    """The card as the by-number route (fast path), the person query and the page say."""
    by_number = client.get(f"/api/v1/certificates/{card['number']}", params={"name": card["name"]})
    person = client.get(
        "/api/v1/certificates", params={"name": card["name"], "id_number": card["id_number"]}
    )
    return [by_number.json()["certificates"][0], person.json()["certificates"][0]]


def test_a_suspension_keeps_the_date_the_reviews_gave_in_every_answer(
    client: TestClient, session: Session, card: dict[str, Any]
) -> None:
    before = _answers(client, card)
    in_force = before[0]["valid_until"]
    assert date.fromisoformat(in_force) > TODAY
    suspended = _change(
        client, _token(session), card["number"], action="suspend", reason="违章作业"
    )
    assert suspended.status_code == 200, suspended.text
    assert (suspended.json()["state"], suspended.json()["word"]) == ("suspended", "暂扣")
    for answer in _answers(client, card):
        assert answer["status"]["code"] == "suspended"
        assert answer["status"]["label"] == "暂扣"
        assert answer["valid_until"] == in_force
    page = client.post("/query", data={"name": card["name"], "id_number": card["id_number"]})
    assert in_force in page.text
    assert "暂扣" in page.text


def test_a_future_date_beyond_the_window_and_a_future_review_are_refused(
    client: TestClient, session: Session, card: dict[str, Any]
) -> None:
    headers = _token(session)
    far = _change(
        client, headers, card["number"], action="revoke", reason="x", effective_on="2062-12-02"
    )
    assert far.status_code == 422
    assert far.json()["error"]["code"] == "status.future"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    review = _change(
        client, headers, card["number"], action="review", reason="x", effective_on=tomorrow
    )
    assert review.status_code == 422
    assert review.json()["error"]["code"] == "status.future"
    early = _change(
        client, headers, card["number"], action="suspend", reason="x", effective_on="2001-01-01"
    )
    assert early.json()["error"]["code"] == "status.date"
    assert _answers(client, card)[0]["status"]["counts"] is True


def test_a_scheduled_revocation_locks_nothing_before_its_day(
    client: TestClient, session: Session, card: dict[str, Any]
) -> None:
    headers = _token(session)
    on = TODAY + timedelta(days=10)
    scheduled = _change(
        client,
        headers,
        card["number"],
        action="revoke",
        reason="对事故负有责任",
        word="吊销",
        effective_on=on.isoformat(),
    )
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["state"] == "active"
    assert _answers(client, card)[0]["status"]["code"] == "valid"
    # Still in force today: today's actions are judged by today's standing.
    review_today = _change(client, headers, card["number"], action="review", reason="复审")
    assert review_today.status_code == 200, review_today.text
    earlier = _change(client, headers, card["number"], action="suspend", reason="x")
    assert earlier.json()["error"]["code"] == "status.order"
    session.expire_all()
    certificate = session.get(Certificate, card["id"])
    assert certificate is not None
    assert certificate.state == "active"
    # The daily status job applies it on its day, to the state column too.
    credentials.sync_due_status_bits(session, on - timedelta(days=1))
    session.expire_all()
    assert session.get(Certificate, card["id"]).state == "active"  # type: ignore[union-attr]
    credentials.sync_due_status_bits(session, on)
    session.expire_all()
    assert session.get(Certificate, card["id"]).state == "revoked"  # type: ignore[union-attr]
    assert apply_due_standings(session, on, TODAY) == 0  # idempotent


def test_cancel_is_its_own_status_and_revoke_keeps_the_word_given(
    client: TestClient, session: Session, registry, card: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    headers = _token(session)
    revoked = _change(client, headers, card["number"], action="revoke", reason="x", word="吊销")
    assert revoked.json()["word"] == "吊销"
    assert _answers(client, card)[0]["status"]["label"] == "吊销"
    wrong = _change(client, headers, card["number"], action="cancel", reason="x", word="吊销")
    assert wrong.json()["error"]["code"] == "status.word"
    cancelled = _change(client, headers, card["number"], action="cancel", reason="撤销后注销")
    assert cancelled.status_code == 200, cancelled.text
    status = _answers(client, card)[0]["status"]
    assert (status["code"], status["label"], status["counts"]) == ("cancelled", "注销", False)
    again = _change(client, headers, card["number"], action="reinstate", reason="x")
    assert again.status_code == 422
    assert "注销" in again.json()["error"]["message"]


def test_the_database_refuses_unknown_kinds_and_words_and_keeps_the_history_append_only(
    session: Session, card: dict[str, Any]
) -> None:
    insert = (
        "INSERT INTO certificate_events (certificate_id, kind, effective_on, actor, reason, "
        "source, word) VALUES (:id, :kind, :on, 't', '', '', :word)"
    )
    for kind, word in (("cancelled", "注销"), ("suspended", "停止"), ("voided", "")):
        try:
            session.execute(
                text(insert), {"id": card["id"], "kind": kind, "on": TODAY, "word": word}
            )
            session.commit()
            accepted = True
        except DBAPIError:
            session.rollback()
            accepted = False
        assert accepted == (kind == "cancelled"), kind
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE certificate_events SET word = '吊销'"))
    session.rollback()
    settled = session.scalar(
        select(Certificate.settled_through).where(Certificate.id == card["id"])
    )
    assert settled is None  # the trigger of 0005 made the settlement stale


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(tmp_path / "keys"))
    get_settings.cache_clear()
    get_credential_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    get_credential_settings.cache_clear()


def test_the_cli_suspends_cancels_and_refuses_dates_as_the_api_does(
    runner: CliRunner, session: Session, card: dict[str, Any]
) -> None:
    number = card["number"]
    issued = runner.invoke(app, ["credential", "issue", number])
    assert issued.exit_code == 0, issued.output
    far = runner.invoke(
        app, ["certificate", "revoke", number, "--reason", "x", "--effective-on", "2062-12-02"]
    )
    assert far.exit_code == 2
    assert "生效日期2062-12-02太远" in far.output
    suspended = runner.invoke(app, ["certificate", "suspend", number, "--reason", "违章作业"])
    assert suspended.exit_code == 0, suspended.output
    assert "暂扣" in suspended.output
    cancelled = runner.invoke(app, ["certificate", "cancel", number, "--reason", "持证人申请"])
    assert cancelled.exit_code == 0, cancelled.output
    assert "注销" in cancelled.output
    session.expire_all()
    events = session.scalars(
        select(CertificateEvent).where(CertificateEvent.certificate_id == card["id"])
    ).all()
    assert [(e.kind, e.word) for e in events][-2:] == [("suspended", "暂扣"), ("cancelled", "注销")]
    entry = session.scalar(select(StatusEntry).where(StatusEntry.certificate_id == card["id"]))
    assert entry is not None
    lists = {
        row.purpose: row
        for row in session.scalars(
            select(StatusList).where(
                StatusList.issuer_slug == entry.issuer_slug, StatusList.sequence == entry.sequence
            )
        )
    }
    # A cancelled certificate no longer counts: its revocation bit is set.
    assert bit(lists["revocation"].bits, entry.status_index)
    assert not bit(lists["suspension"].bits, entry.status_index)
    assert credentials.sync_due_status_bits(session, TODAY) == 0


def test_a_cancelled_certificate_counts_for_no_recognition(
    client: TestClient, session: Session, registry
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("王建军")
    skill, _ = registry.certificate(person, id_number, "焊工", level=4, issued=date(2021, 3, 1))
    record_event(
        session, skill, kind="cancelled", effective_on=TODAY, actor="t", reason="持证人申请"
    )
    session.commit()
    body = client.get(
        "/api/v1/recognition", params={"name": "王建军", "id_number": id_number}
    ).json()
    answer = body["certificates"][0]
    assert answer["counts"] is False
    assert "注销" in answer["reason"]
    assert body["deemed_levels"] == []
