"""Issue, verify, revoke, rotate, bundle and print on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.config import Settings
from certbridge.credentials import service
from certbridge.credentials.bundle import offline_verifier, write_bundle
from certbridge.credentials.did import did_document_url, slug_of
from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.settings import get_credential_settings
from certbridge.credentials.trustlist import dev_root_public
from certbridge.credentials.verify import AgeLimit, Verifier
from certbridge.errors import InputError
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys

BASE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def key_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "keys"
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(directory))
    get_credential_settings.cache_clear()
    yield directory
    get_credential_settings.cache_clear()


@pytest.fixture
def issuance(settings: Settings, keys: Keys) -> service.Issuance:
    return service.issuance_from(settings, keys)


@pytest.fixture
def certificate(registry, session: Session) -> Certificate:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("王建国")
    found, _number = registry.certificate(
        person, id_number, "电工", level=4, issued=date(2022, 6, 1)
    )
    session.commit()
    return found


def issue(session: Session, issuance: service.Issuance, certificate: Certificate) -> dict[str, Any]:
    credential = service.issue_credential(session, issuance, certificate)
    session.commit()
    return credential


def verify(client: TestClient, credential: Any) -> dict[str, Any]:
    body = credential if isinstance(credential, bytes) else json.dumps(credential).encode()
    response = client.post("/api/v1/credentials/verify", content=body)
    assert response.status_code == 200
    return response.json()


def test_an_issued_credential_is_an_open_badge_with_every_printed_field_and_verifies(
    client: TestClient, session: Session, issuance: service.Issuance, certificate: Certificate
) -> None:
    credential = issue(session, issuance, certificate)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"] == credential_contexts(BASE)
    assert credential["proof"]["@context"] == credential["@context"]
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    subject = credential["credentialSubject"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["holderName"] == "王建国"
    assert subject["skillLevel"] == "四级/中级工"
    assert subject["workType"] == "--"
    assert "*" in subject["idNumberMasked"]
    assert subject["identifier"][0]["identityHash"] != certificate.person.id_hash
    assert {e["statusPurpose"] for e in credential["credentialStatus"]} == {
        "revocation",
        "suspension",
    }
    assert "validUntil" not in credential  # 职业技能等级证书 has no expiry
    verdict = verify(client, credential)
    assert verdict["verified"] is True, verdict
    assert [c["ok"] for c in verdict["checks"]] == [True] * 9


def test_no_credential_contains_the_clear_id_number(
    registry,
    session: Session,
    issuance: service.Issuance,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("李四")
    cert, _ = registry.certificate(person, id_number, "低压电工作业", issued=date(2023, 2, 1))
    session.commit()
    text = json.dumps(issue(session, issuance, cert), ensure_ascii=False)
    assert id_number not in text
    assert id_number[1:] not in text
    assert "validUntil" in text  # 特种作业: 6 years


@pytest.mark.parametrize(
    ("mutate", "failed"),
    [
        (lambda c: c["credentialSubject"].update(skillLevel="一级/高级技师"), "proof"),
        (lambda c: c.update({"@context": c["@context"][:2]}), "context"),
        (lambda c: c["issuer"].update(id="did:web:evil.example:issuers:mem-14"), "issuer"),
        (lambda c: c.update(validFrom="2999-01-01T00:00:00Z"), "proof"),
        (lambda c: c.pop("proof"), "format"),
        (lambda c: c["proof"].update(proofValue="znotbase58!"), "proof"),
    ],
)
def test_a_tampered_credential_names_the_failed_check(
    client: TestClient,
    session: Session,
    issuance: service.Issuance,
    certificate: Certificate,
    mutate: Any,
    failed: str,
) -> None:
    credential = issue(session, issuance, certificate)
    mutate(credential)
    verdict = verify(client, credential)
    assert verdict["verified"] is False
    assert verdict["failed_check"] == failed
    assert verdict["summary"].startswith("核验未通过")


def test_a_proof_moved_to_another_credential_fails(
    client: TestClient,
    registry,
    session: Session,
    issuance: service.Issuance,
    certificate: Certificate,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("赵六")
    other, _ = registry.certificate(person, id_number, "电工", level=3, issued=date(2021, 1, 5))
    session.commit()
    first, second = issue(session, issuance, certificate), issue(session, issuance, other)
    second["proof"] = first["proof"]
    assert verify(client, second)["failed_check"] == "proof"


@pytest.mark.parametrize(
    ("body", "failed"),
    [(b"{not json", "format"), (b"[1, 2]", "format"), (b"{}", "format"), (b" " * 70_000, "format")],
)
def test_malformed_or_oversized_input_gets_a_verdict_not_a_crash(
    client: TestClient, body: bytes, failed: str
) -> None:
    verdict = verify(client, body)
    assert verdict["verified"] is False
    assert verdict["failed_check"] == failed


def test_revoking_through_the_service_flips_the_bit_and_verification_fails_everywhere(
    client: TestClient,
    session: Session,
    issuance: service.Issuance,
    certificate: Certificate,
    tmp_path: Path,
) -> None:
    credential = issue(session, issuance, certificate)
    bundle_dir = tmp_path / "before"
    _bundle(session, issuance, credential, bundle_dir)
    service.change_status(
        session,
        certificate,
        kind="revoked",
        reason="证书信息造假",
        actor="test",
        effective_on=clock.today(),
        source="test",
    )
    session.commit()
    verdict = verify(client, credential)
    assert verdict["failed_check"] == "status"
    assert "注销" in verdict["summary"]
    assert certificate.events[-1].kind == "revoked"
    after = tmp_path / "after"
    _bundle(session, issuance, credential, after)
    offline = offline_bundle_verifier(after).verify(credential)
    assert offline.failed is not None
    assert offline.failed.code == "status"


def test_suspension_fails_and_reinstatement_verifies_again(
    client: TestClient, session: Session, issuance: service.Issuance, certificate: Certificate
) -> None:
    credential = issue(session, issuance, certificate)
    service.change_status(
        session,
        certificate,
        kind="suspended",
        reason="核查中",
        actor="t",
        effective_on=clock.today(),
        source="t",
    )
    session.commit()
    assert "暂停" in verify(client, credential)["summary"]
    service.change_status(
        session,
        certificate,
        kind="reinstated",
        reason="核查完毕",
        actor="t",
        effective_on=clock.today(),
        source="t",
    )
    session.commit()
    assert verify(client, credential)["verified"] is True


def test_a_rotated_key_still_verifies_old_credentials_and_a_compromised_one_does_not(
    client: TestClient, session: Session, issuance: service.Issuance, certificate: Certificate
) -> None:
    old = issue(session, issuance, certificate)
    slug = slug_of(BASE, old["issuer"]["id"]) or ""
    new_key = service.rotate_key(session, issuance, slug)
    session.commit()
    fresh = issue(session, issuance, certificate)
    assert fresh["proof"]["verificationMethod"].endswith(new_key.public_key_multibase)
    assert verify(client, old)["verified"] is True
    document = client.get(f"/issuers/{slug}/did.json").json()
    assert len(document["verificationMethod"]) == 2
    old_key = old["proof"]["verificationMethod"].split("#")[1]
    service.mark_compromised(session, slug, old_key, datetime.now(UTC) - timedelta(days=1))
    session.commit()
    verdict = verify(client, old)
    assert verdict["failed_check"] == "key"
    assert "泄露" in verdict["summary"]
    assert verify(client, fresh)["verified"] is True


def test_a_credential_of_an_expired_certificate_fails_on_its_validity(
    client: TestClient,
    registry,
    session: Session,
    issuance: service.Issuance,  # type: ignore[no-untyped-def]
) -> None:
    person, id_number = registry.person("钱七")
    cert, _ = registry.certificate(person, id_number, "低压电工作业", issued=date(2010, 2, 1))
    session.commit()
    verdict = verify(client, issue(session, issuance, cert))
    assert verdict["failed_check"] == "validity"


def _bundle(
    session: Session, issuance: service.Issuance, credential: dict[str, Any], directory: Path
) -> None:
    did = credential["issuer"]["id"]
    slug = slug_of(BASE, did) or ""
    lists = {
        e["statusListCredential"]: service.status_list_credential(
            session,
            issuance,
            slug,
            e["statusPurpose"],
            int(e["statusListCredential"].rsplit("/", 1)[1]),
        )
        for e in credential["credentialStatus"]
    }
    write_bundle(
        directory,
        credential=credential,
        base_url=BASE,
        did_documents={did: service.did_document_of(session, BASE, slug)},
        did_urls={did: did_document_url(BASE, slug)},
        status_lists=lists,
        trust_list=service.current_trust_list(session, issuance),
    )
    session.commit()


def offline_bundle_verifier(directory: Path) -> Verifier:
    return offline_verifier(
        directory,
        contexts=credential_contexts(BASE),
        roots=(dev_root_public(),),
        age_limit=AgeLimit(7, "默认值"),
    )


def test_an_offline_bundle_verifies_without_the_database_and_fails_closed_without_its_list(
    session: Session, issuance: service.Issuance, certificate: Certificate, tmp_path: Path
) -> None:
    credential = issue(session, issuance, certificate)
    _bundle(session, issuance, credential, tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert credential_contexts(BASE)[2] in manifest["documents"]
    assert credential["issuer"]["id"] in manifest["documents"]
    verdict = offline_bundle_verifier(tmp_path / "b").verify(credential)
    assert verdict.verified
    assert "离线" in verdict.summary
    for entry in credential["credentialStatus"]:
        (tmp_path / "b" / manifest["documents"][entry["statusListCredential"]]).unlink()
    missing = offline_bundle_verifier(tmp_path / "b").verify(credential)
    assert missing.failed is not None
    assert missing.failed.code == "status"
    assert "无法获取状态列表" in missing.summary


def test_the_app_serves_the_did_document_our_context_and_signed_status_lists(
    client: TestClient, session: Session, issuance: service.Issuance, certificate: Certificate
) -> None:
    credential = issue(session, issuance, certificate)
    url = credential["credentialStatus"][0]["statusListCredential"]
    listed = client.get(url.removeprefix(BASE))
    assert listed.status_code == 200
    assert "max-age=300" in listed.headers["cache-control"]
    body = listed.json()
    assert body["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert body["credentialSubject"]["encodedList"].startswith("u")
    assert body["credentialSubject"]["ttl"] == 300_000
    context = client.get("/contexts/certbridge/v1.jsonld")
    terms = context.json()["@context"]
    for term in credential["credentialSubject"]:
        if term not in ("type", "identifier", "achievement"):
            assert term in terms, term
    assert client.get("/issuers/nobody-99/did.json").status_code == 404


def test_the_verification_page_lists_every_check_in_chinese(
    client: TestClient, session: Session, issuance: service.Issuance, certificate: Certificate
) -> None:
    credential = issue(session, issuance, certificate)
    page = client.post("/credentials/verify", data={"credential": json.dumps(credential)})
    assert page.status_code == 200
    assert "核验通过" in page.text
    assert "状态列表" in page.text
    credential["credentialSubject"]["holderName"] = "张三"
    bad = client.post(
        "/credentials/verify", files={"upload": ("c.json", json.dumps(credential).encode())}
    )
    assert "核验未通过" in bad.text
    assert "电子签名" in bad.text


def test_the_printable_pdf_is_a4_and_its_qr_link_resolves(
    client: TestClient, session: Session, certificate: Certificate
) -> None:
    token = service.verification_token(session, certificate)
    session.commit()
    pdf = client.get(f"/v/{token.token}/certificate.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf.content
    assert client.get(f"/v/{token.token}").status_code == 200
    assert client.get("/v/" + "x" * 30 + "/certificate.pdf").status_code == 404


def test_a_department_revoking_through_the_registry_api_flips_the_bit(
    client: TestClient, session: Session, issuance: service.Issuance, certificate: Certificate
) -> None:
    from certbridge.auth.service import create_token

    credential = issue(session, issuance, certificate)
    assert verify(client, credential)["failed_check"] is None
    _, secret = create_token(session, role="admin", scope="*")
    session.commit()
    number = credential["credentialSubject"]["certificateNumber"]
    response = client.post(
        f"/api/v1/certificates/{number}/status",
        json={"action": "suspend", "reason": "核查中"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    assert verify(client, credential)["failed_check"] == "status"


def test_valid_until_follows_the_extension_a_review_gave(
    client: TestClient, registry, session: Session, issuance: service.Issuance
) -> None:  # type: ignore[no-untyped-def]
    from certbridge.registry.service import record_event

    issued = clock.today() - timedelta(days=2 * 365 + 200)
    person, id_number = registry.person("高建军")
    certificate, _ = registry.certificate(person, id_number, "建筑电工", issued=issued)
    printed = certificate.valid_until
    assert printed is not None
    record_event(
        session,
        certificate,
        kind="reviewed",
        effective_on=printed - timedelta(days=30),
        actor="test",
        reason="延期复核合格",
    )
    session.commit()
    credential = issue(session, issuance, certificate)
    from certbridge.catalog import add_years

    assert credential["validUntil"].startswith(str(add_years(printed, 2)))
    assert verify(client, credential)["failed_check"] is None


def test_a_revoked_certificate_gets_no_credential_but_one_revoked_later_does(
    registry, session: Session, issuance: service.Issuance
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("周启明")
    found = {}
    for name, days in (("later", 30), ("now", 0)):
        certificate, _number = registry.certificate(
            person,
            id_number,
            "低压电工作业" if name == "later" else "焊工",
            level=None if name == "later" else 4,
            issued=date(2022, 6, 1),
        )
        service.change_status(
            session,
            certificate,
            kind="revoked",
            reason="注销",
            actor="t",
            effective_on=clock.today() + timedelta(days=days),
            source="t",
        )
        found[name] = certificate
    session.commit()
    assert issue(session, issuance, found["later"])["credentialSubject"]
    with pytest.raises(InputError) as refused:
        service.issue_credential(session, issuance, found["now"])
    assert refused.value.code == "credential.revoked"
