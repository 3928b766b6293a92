"""A credential signed before migration 0010 (its 特种设备 number kept a digit too many)
still matches the registry once the stored number is re-masked (issue 10.12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from certbridge import migrations
from certbridge.config import Settings
from certbridge.credentials import service
from certbridge.credentials.settings import get_credential_settings
from certbridge.identity import mask_id_number
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys
from support import Registry


@pytest.fixture(autouse=True)
def key_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(tmp_path / "keys"))
    get_credential_settings.cache_clear()
    yield tmp_path / "keys"
    get_credential_settings.cache_clear()


def test_a_credential_signed_with_the_old_mask_still_matches_the_registry(
    database_url: str,
    session: Session,
    registry: Registry,
    settings: Settings,
    keys: Keys,
    client: TestClient,
) -> None:
    person, id_number = registry.person("王涵芳")
    certificate, _ = registry.certificate(person, id_number, "工业锅炉司炉")
    session.commit()
    old_mask = id_number[:5] + "*" * 9 + id_number[-4:]
    session.execute(
        update(Certificate).where(Certificate.id == certificate.id).values(number_display=old_mask)
    )
    session.commit()
    session.expire_all()
    credential = service.issue_credential(
        session,
        service.issuance_from(settings, keys),
        session.get(Certificate, certificate.id),  # type: ignore[arg-type]
    )
    session.commit()
    assert credential["credentialSubject"]["certificateNumber"] == old_mask
    config = migrations.alembic_config(database_url)
    command.downgrade(config, "0010-1")
    command.upgrade(config, "head")
    session.expire_all()
    assert session.get(Certificate, certificate.id).number_display == mask_id_number(id_number)  # type: ignore[union-attr]
    verdict = client.post("/api/v1/credentials/verify", content=json.dumps(credential)).json()
    assert verdict["verified"] is True, verdict
