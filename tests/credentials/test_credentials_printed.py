"""What people read: the printable PDF, the credential check page, duplicate JSON keys, and
who a 职业技能等级证书 names as its issuer."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge import clock
from certbridge.catalog import load_catalog
from certbridge.config import Settings, get_settings
from certbridge.credentials import service
from certbridge.credentials.cli import app
from certbridge.credentials.settings import get_credential_settings
from certbridge.identity import make_id_number, parse_id_number
from certbridge.registry.models import Certificate, Institution
from certbridge.registry.service import (
    Keys,
    NewCertificate,
    add_certificate,
    ensure_authority,
    ensure_person,
)

ALGORITHM_NAMES = ("eddsa-jcs-2022", "Ed25519", "DataIntegrityProof")


@pytest.fixture(autouse=True)
def key_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "keys"
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(directory))
    get_credential_settings.cache_clear()
    yield directory
    get_credential_settings.cache_clear()


@pytest.fixture
def issuance(settings: Settings, keys: Keys) -> service.Issuance:
    return service.issuance_from(settings, keys)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def token_of(session: Session, certificate: Certificate) -> str:
    token = service.verification_token(session, certificate).token
    session.commit()
    return token


def change(session: Session, certificate: Certificate, kind: str, reason: str) -> None:
    service.change_status(
        session,
        certificate,
        kind=kind,
        reason=reason,
        actor="test",
        effective_on=clock.today(),
        source="test",
    )
    session.commit()


def status_label(certificate: Certificate) -> str:
    label: str = service._registry_status(certificate, clock.today()).label
    return label


# --- the printable PDF ----------------------------------------------------------------------


def test_the_pdf_masks_the_holder_says_when_it_was_printed_and_that_the_qr_code_decides(
    client: TestClient,
    registry,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("欧阳建国")
    certificate, _ = registry.certificate(person, id_number, "电工", level=4)
    session.commit()
    pdf = client.get(f"/v/{token_of(session, certificate)}/certificate.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "欧**国" in text
    assert "欧阳建国" not in text
    assert "建国" not in text
    assert id_number not in text
    assert person.id_masked in text
    assert f"打印时间：{clock.today().isoformat()}" in text
    assert "北京时间" in text
    assert "以扫描二维码核验的结果为准" in text
    assert "证书状态：" in text
    assert f"{status_label(certificate)}（打印时）" in text
    assert "不在有效状态" not in text


@pytest.mark.parametrize(
    ("kind", "reason"), [("revoked", "以欺骗手段取得"), ("suspended", "违章作业")]
)
def test_a_pdf_of_a_certificate_that_does_not_count_today_is_stamped_with_its_status(
    client: TestClient,
    registry,  # type: ignore[no-untyped-def]
    session: Session,
    kind: str,
    reason: str,
) -> None:
    person, id_number = registry.person("李明")
    certificate, _ = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2025, 3, 1)
    )
    session.commit()
    token = token_of(session, certificate)
    change(session, certificate, kind, reason)
    label = status_label(certificate)
    text = pdf_text(client.get(f"/v/{token}/certificate.pdf").content)
    assert "本证书打印时不在有效状态" in text
    assert text.count(label) >= 2  # the stamp across the page, and the status row
    assert "李明" not in text


def test_a_pdf_of_an_expired_certificate_is_stamped_too(
    client: TestClient,
    registry,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("钱七")
    certificate, _ = registry.certificate(
        person, id_number, "低压电工作业", issued=date(2012, 2, 1)
    )
    session.commit()
    text = pdf_text(client.get(f"/v/{token_of(session, certificate)}/certificate.pdf").content)
    assert status_label(certificate) in text
    assert "本证书打印时不在有效状态" in text


def test_the_command_line_pdf_masks_the_name_too(
    registry,
    session: Session,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("司马相如")
    _, number = registry.certificate(person, id_number, "焊工", level=3, issued=date(2021, 3, 1))
    session.commit()
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    try:
        printed = CliRunner().invoke(app, ["pdf", number, str(tmp_path / "c.pdf")])
    finally:
        get_settings.cache_clear()
    assert printed.exit_code == 0, printed.output
    text = pdf_text((tmp_path / "c.pdf").read_bytes())
    assert "司**如" in text
    assert "司马相如" not in text


# --- 职业技能等级证书: the evaluation institution issues ---------------------------------------


@pytest.fixture
def skill_certificate(session: Session, keys: Keys) -> Certificate:
    catalog = load_catalog()
    institution = Institution(
        code="S000114000001",
        name="太原市焊接技能评价中心",
        kind="S",
        filing_code="0001",
        province_code="14",
    )
    session.add(institution)
    id_number = make_id_number("140105", date(1988, 5, 6), 7)
    person = ensure_person(session, parse_id_number(id_number), "周启明", keys)
    authority = ensure_authority(session, "mohrss", "14", catalog.provinces["14"].name_zh)
    certificate = add_certificate(
        session,
        person=person,
        new=NewCertificate(
            number="S000114000001234000123",
            type=catalog.resolve_type("焊工"),
            level=4,
            issued_on=date(2023, 5, 10),
        ),
        issuer=authority,
        institution=institution,
        keys=keys,
        actor="test",
    )
    session.commit()
    return certificate


def test_a_skill_level_credential_and_pdf_name_the_evaluation_institution_as_issuer(
    client: TestClient,
    session: Session,
    issuance: service.Issuance,
    skill_certificate: Certificate,
) -> None:
    authority = skill_certificate.issuer.name
    credential = service.issue_credential(session, issuance, skill_certificate)
    session.commit()
    assert credential["issuer"]["name"] == "太原市焊接技能评价中心"
    assert credential["issuer"]["id"].endswith(":issuers:org-s000114000001")
    subject = credential["credentialSubject"]
    assert subject["issuingAuthority"] == "太原市焊接技能评价中心"
    assert subject["evaluationInstitution"] == "太原市焊接技能评价中心"
    assert authority not in json.dumps(credential, ensure_ascii=False)
    text = pdf_text(
        client.get(f"/v/{token_of(session, skill_certificate)}/certificate.pdf").content
    )
    assert "评价机构（发证单位）：" in text
    assert "太原市焊接技能评价中心" in text
    assert authority not in text
    verdict = client.post("/api/v1/credentials/verify", json=credential).json()
    assert verdict["verified"] is True, verdict
    assert verdict["issuer_name"] == "太原市焊接技能评价中心"


# --- duplicate keys -----------------------------------------------------------------------------


def with_duplicate_holder(credential: dict[str, Any]) -> str:
    """The signed name first, a second value for the same key after it."""
    text = json.dumps(credential, ensure_ascii=False)
    signed = f'"holderName": {json.dumps(credential["credentialSubject"]["holderName"], ensure_ascii=False)}'
    assert signed in text
    return text.replace(signed, signed + ', "holderName": "伪造者"', 1)


@pytest.fixture
def credential(registry, session: Session, issuance: service.Issuance) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("王建国")
    certificate, _ = registry.certificate(person, id_number, "电工", level=4)
    session.commit()
    issued = service.issue_credential(session, issuance, certificate)
    session.commit()
    return issued


def test_duplicate_json_keys_are_refused_with_a_clear_reason_by_the_api_and_the_page(
    client: TestClient, credential: dict[str, Any]
) -> None:
    body = with_duplicate_holder(credential).encode()
    verdict = client.post("/api/v1/credentials/verify", content=body).json()
    assert verdict["verified"] is False
    assert verdict["failed_check"] == "format"
    assert "“holderName”出现了两次" in verdict["summary"]
    page = client.post("/credentials/verify", data={"credential": body.decode()})
    assert "“holderName”出现了两次" in page.text


def test_duplicate_json_keys_are_refused_on_the_command_line(
    credential: dict[str, Any], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dup.json"
    path.write_text(with_duplicate_holder(credential), encoding="utf-8")
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["verify", str(path), "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["failed_check"] == "format"
    assert "出现了两次" in verdict["summary"]


# --- the credential check page ----------------------------------------------------------------


def test_the_check_page_shows_the_masked_holder_certificate_and_issuer_in_chinese_words(
    client: TestClient, credential: dict[str, Any]
) -> None:
    pasted = json.dumps(credential, ensure_ascii=False)
    page = client.post("/credentials/verify", data={"credential": pasted})
    assert page.status_code == 200
    verdict = page.text.split('id="verdict"')[1].split("</section>")[0]
    assert "核验通过" in verdict
    assert "王*国" in verdict
    assert "王建国" not in verdict
    assert credential["name"] in verdict
    assert credential["issuer"]["name"] in verdict
    assert "北京时间" in verdict
    for name in ALGORITHM_NAMES:
        assert name not in verdict
    assert "UTC" not in verdict
    # What was pasted is still in the form, escaped.
    assert "王建国" in page.text.split("<textarea")[1]
    api = client.post("/api/v1/credentials/verify", json=credential).json()
    assert any("eddsa-jcs-2022" in c["technical"] for c in api["checks"])


def test_the_check_page_keeps_what_was_pasted_after_an_error(client: TestClient) -> None:
    page = client.post("/credentials/verify", data={"credential": '{"oops": 1,'})
    assert "不是有效的 JSON" in page.text
    assert "{&#34;oops&#34;: 1," in page.text.split("<textarea")[1]


def test_the_verification_pages_credential_link_opens_the_form_with_the_credential_loaded(
    client: TestClient,
    registry,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("陈静")
    certificate, number = registry.certificate(person, id_number, "电工", level=4)
    session.commit()
    token = token_of(session, certificate)
    link = f"/credentials/verify?token={token}"
    assert f'href="{link}"' in client.get(f"/v/{token}").text
    page = client.get(link)
    assert page.status_code == 200
    loaded = page.text.split("<textarea")[1].split("</textarea>")[0]
    assert "OpenBadgeCredential" in loaded
    assert number in loaded
    missing = client.get("/credentials/verify?token=" + "x" * 30)
    assert missing.status_code == 404
    assert "核验链接无效" in missing.text


def test_the_check_page_has_no_inline_script(client: TestClient) -> None:
    page = client.get("/credentials/verify").text
    assert '<script src="/static/credentials_verify.js"' in page
    assert "<script>" not in page
    script = client.get("/static/credentials_verify.js")
    assert script.status_code == 200
    assert "BarcodeDetector" in script.text
