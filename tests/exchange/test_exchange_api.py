"""The department batch endpoint: same validation as the CLI, scope limited to its own
scheme and province."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certbridge.auth.service import create_token
from certbridge.registry.models import Certificate


def _token(session: Session, role: str, scope: str) -> dict[str, str]:
    _, secret = create_token(session, role=role, scope=scope, label="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _post(client: TestClient, headers: dict[str, str], path: Path, profile: str, **form: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as stream:
        return client.post(
            "/api/v1/exchange/batches",
            headers=headers,
            data={"profile": profile, **form},
            files={"file": (path.name, stream, "text/csv")},
        )


def test_a_department_sends_its_batch_and_gets_the_report(
    client: TestClient, session: Session, files
) -> None:  # type: ignore[no-untyped-def]
    headers = _token(session, "department", "mem:14")
    path = files.csv([files.special_operation_row(i) for i in range(3)])
    response = _post(client, headers, path, "standard")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["balanced"], body["department"], body["province_code"]) == (
        3,
        True,
        "mem",
        "14",
    )
    assert files.special_operation_row(0)[1] not in response.text  # no clear ID number
    again = _post(client, headers, path, "standard")
    assert again.json()["already_imported"] is True


def test_rows_of_another_departments_scheme_are_refused(
    client: TestClient, session: Session, files
) -> None:  # type: ignore[no-untyped-def]
    headers = _token(session, "department", "mohurd:14")
    path = files.csv([files.special_operation_row(1)])
    refused = _post(client, headers, path, "mem_special_operation")
    assert refused.status_code == 403
    rows = _post(client, headers, path, "standard").json()
    assert rows["rejected"] == 1
    assert rows["rejected_rows"][0]["errors"][0]["code"] == "issuer.scheme_scope"
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_another_province_is_refused(client: TestClient, session: Session, files) -> None:  # type: ignore[no-untyped-def]
    headers = _token(session, "department", "mem:11")
    path = files.csv([files.special_operation_row(2)])
    assert _post(client, headers, path, "standard", province="14").status_code == 403
    report = _post(client, headers, path, "standard").json()  # 山西 authority in a 北京 batch
    assert report["rejected_rows"][0]["errors"][0]["code"] == "issuer.province_mismatch"


@pytest.mark.parametrize(
    ("role", "scope"), [("regulator", "14"), ("institution", "institution:S1")]
)
def test_only_department_tokens_may_send_batches(
    client: TestClient, session: Session, files, role: str, scope: str
) -> None:  # type: ignore[no-untyped-def]
    path = files.csv([files.special_operation_row(3)])
    assert _post(client, _token(session, role, scope), path, "standard").status_code == 403
    assert _post(client, {}, path, "standard").status_code == 401


def test_a_broken_file_is_a_422_with_the_reason(
    client: TestClient, session: Session, files
) -> None:  # type: ignore[no-untyped-def]
    headers = _token(session, "department", "mem:14")
    path = files.path(".csv")
    path.write_bytes(b"")
    response = _post(client, headers, path, "standard")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "file.empty"
    unknown = _post(client, headers, files.csv([]), "nope")
    assert unknown.json()["error"]["code"] == "profile.unknown"
