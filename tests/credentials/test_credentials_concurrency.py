"""Concurrent first issuances for one issuer, on real threads and real databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.config import Settings
from certbridge.credentials import service
from certbridge.credentials.models import IssuerKey, StatusEntry, StatusList
from certbridge.credentials.settings import get_credential_settings
from certbridge.db import make_engine, make_session_factory
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys

THREADS = 12


@pytest.fixture(autouse=True)
def key_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "keys"
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(directory))
    get_credential_settings.cache_clear()
    yield directory
    get_credential_settings.cache_clear()


def test_twelve_parallel_first_issuances_make_exactly_one_signing_key(
    database_url: str,
    registry,  # type: ignore[no-untyped-def]
    session: Session,
    settings: Settings,
    keys: Keys,
    client: TestClient,
) -> None:
    """Six certificates of one issuer, each issued twice at once: one key, one entry per
    certificate, one pair of status lists, and every credential verifies."""
    certificate_ids = []
    for serial in range(THREADS // 2):
        person, id_number = registry.person(f"并发{'甲乙丙丁戊己'[serial]}")
        certificate, _ = registry.certificate(
            person, id_number, "低压电工作业", issued=date(2025, 3, 1)
        )
        certificate_ids.append(certificate.id)
    session.commit()
    issuance = service.issuance_from(settings, keys)
    engine = make_engine(database_url, pool_size=THREADS)
    factory = make_session_factory(engine)
    barrier = threading.Barrier(THREADS)
    credentials: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def issue(certificate_id: int) -> None:
        with factory() as own:
            certificate = own.get(Certificate, certificate_id)
            assert certificate is not None
            barrier.wait()
            try:
                credentials.append(service.issue_credential(own, issuance, certificate))
                own.commit()
            except BaseException as exc:
                errors.append(exc)

    threads = [
        threading.Thread(target=issue, args=(certificate_ids[n % len(certificate_ids)],))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    session.expire_all()
    issuer_keys = session.scalars(select(IssuerKey).where(IssuerKey.issuer_slug == "mem-14"))
    assert len(issuer_keys.all()) == 1
    entries = session.scalars(select(StatusEntry)).all()
    assert sorted(e.certificate_id for e in entries) == sorted(certificate_ids)
    assert len(session.scalars(select(StatusList)).all()) == 2
    assert len(credentials) == THREADS
    for credential in credentials:
        verdict = client.post("/api/v1/credentials/verify", json=credential).json()
        assert verdict["verified"] is True, verdict["summary"]


def test_the_database_refuses_a_second_key_in_use_for_one_issuer(
    session: Session,
    settings: Settings,
    keys: Keys,
    registry,  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy.exc import IntegrityError

    person, id_number = registry.person("单钥")
    certificate, _ = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2025, 3, 1)
    )
    session.commit()
    issuance = service.issuance_from(settings, keys)
    service.issue_credential(session, issuance, certificate)
    session.commit()
    session.add(
        IssuerKey(
            issuer_slug="mem-14", public_key_multibase="z6MkSecond", created_at=service.now_utc()
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
