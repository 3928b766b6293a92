"""Offline verification anchored in the registry's signed trust list of issuers, not in the
DID document that travels with the credential; and the age of the status lists it rests on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from certbridge import clock
from certbridge.config import Settings, get_settings
from certbridge.credentials import service, trustlist
from certbridge.credentials.bundle import offline_verifier
from certbridge.credentials.cli import app, certificate_app, keys_app
from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.proofs import ProofOptions, add_proof, encode_public_key
from certbridge.credentials.settings import get_credential_settings, trust_roots
from certbridge.credentials.verify import AgeLimit, Verifier
from certbridge.errors import InputError
from certbridge.registry.service import Keys

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def runner(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path
) -> Iterator[CliRunner]:
    monkeypatch.setenv("CERTBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CERTBRIDGE_HASH_KEY", settings.hash_key)
    monkeypatch.setenv("CERTBRIDGE_SEAL_KEY", settings.seal_key)
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(tmp_path / "keys"))
    get_settings.cache_clear()
    get_credential_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    get_credential_settings.cache_clear()


@pytest.fixture
def number(registry, session: Session) -> str:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("孙悦")
    _, found = registry.certificate(person, id_number, "低压电工作业", issued=date(2025, 3, 1))
    session.commit()
    return str(found)


@pytest.fixture
def bundle(runner: CliRunner, number: str, tmp_path: Path) -> Path:
    directory = tmp_path / "bundle"
    made = runner.invoke(app, ["bundle", number, str(directory)])
    assert made.exit_code == 0, made.output
    return directory


def read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def verify_offline(runner: CliRunner, credential: Path, bundle: Path, *extra: str) -> Any:
    return runner.invoke(app, ["verify", str(credential), "--offline", str(bundle), *extra])


def forge(bundle: Path) -> Path:
    """The attack: a key of one's own added to the bundle's DID document, and an edited
    credential (holder 伪造者, valid until 2099) signed with it."""
    manifest = read(bundle / "manifest.json")
    credential = read(bundle / "credential.json")
    did = credential["issuer"]["id"]
    did_file = bundle / manifest["documents"][did]
    document = read(did_file)
    key = Ed25519PrivateKey.generate()
    public = encode_public_key(key.public_key().public_bytes_raw())
    method = f"{did}#{public}"
    document["verificationMethod"].append(
        {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": public}
    )
    document["assertionMethod"].append(method)
    write(did_file, document)
    credential.pop("proof")
    credential["credentialSubject"]["holderName"] = "伪造者"
    credential["validUntil"] = "2099-12-31T23:59:59+08:00"
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    forged = add_proof(credential, key, ProofOptions(method, created))
    path = bundle / "forged.json"
    write(path, forged)
    return path


def test_a_key_added_to_the_bundles_did_document_no_longer_makes_a_forgery_pass(
    runner: CliRunner, bundle: Path
) -> None:
    genuine = verify_offline(runner, bundle / "credential.json", bundle)
    assert genuine.exit_code == 0, genuine.output
    assert "核验通过" in genuine.output
    forged = verify_offline(runner, forge(bundle), bundle)
    assert forged.exit_code == 1, forged.output
    assert "核验未通过" in forged.output
    assert "未通过" in forged.output
    assert "信任清单未列出此签名密钥" in forged.output


def test_a_trust_list_signed_by_another_key_fails(runner: CliRunner, bundle: Path) -> None:
    """The attacker also rewrites the bundle's trust list to vouch for their key."""
    forged = forge(bundle)
    credential = read(forged)
    method = credential["proof"]["verificationMethod"]
    listed = read(bundle / "trust" / "issuers.json")
    listed.pop("proof")
    issuer = next(i for i in listed["issuers"] if i["id"] == credential["issuer"]["id"])
    issuer["verificationMethod"].append(
        {
            "id": method,
            "publicKeyMultibase": method.split("#")[1],
            "validFrom": "2020-01-01T00:00:00Z",
        }
    )
    write(bundle / "trust" / "issuers.json", trustlist.sign(listed, Ed25519PrivateKey.generate()))
    result = verify_offline(runner, forged, bundle, "--json")
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["failed_check"] == "trust"
    assert "不是由受信任的根密钥签发" in verdict["summary"]
    genuine = verify_offline(runner, bundle / "credential.json", bundle, "--json")
    assert json.loads(genuine.output)["failed_check"] == "trust"


def test_a_bundle_without_a_trust_list_or_with_an_edited_one_fails(
    runner: CliRunner, bundle: Path
) -> None:
    listed = read(bundle / "trust" / "issuers.json")
    listed["validUntil"] = "2099-01-01T00:00:00Z"  # stretched by hand: the signature breaks
    write(bundle / "trust" / "issuers.json", listed)
    edited = verify_offline(runner, bundle / "credential.json", bundle, "--json")
    assert json.loads(edited.output)["failed_check"] == "trust"
    assert "信任清单签名无效" in json.loads(edited.output)["summary"]
    (bundle / "trust" / "issuers.json").unlink()
    missing = verify_offline(runner, bundle / "credential.json", bundle)
    assert missing.exit_code == 1
    assert "离线包中没有信任清单" in missing.output


def test_an_expired_trust_list_fails_and_a_fresher_one_given_on_the_command_line_passes(
    runner: CliRunner, bundle: Path, session: Session, settings: Settings, keys: Keys
) -> None:
    issuance = service.issuance_from(settings, keys)
    current = read(bundle / "trust" / "issuers.json")
    stale = trustlist.sign(
        trustlist.build(
            url=current["id"],
            sequence=current["sequence"],
            issued=datetime.now(UTC) - timedelta(days=40),
            valid_until=datetime.now(UTC) - timedelta(days=10),
            issuers=service.trusted_issuers(session, BASE),
        ),
        trustlist.dev_root_key(),
    )
    write(bundle / "trust" / "issuers.json", stale)
    expired = verify_offline(runner, bundle / "credential.json", bundle)
    assert expired.exit_code == 1
    assert "信任清单已过期" in expired.output
    fresh = bundle.parent / "fresh.json"
    write(fresh, service.current_trust_list(session, issuance))
    session.commit()
    passed = verify_offline(runner, bundle / "credential.json", bundle, "--trust-list", str(fresh))
    assert passed.exit_code == 0, passed.output


def test_a_rotated_key_still_verifies_old_credentials_offline_and_a_compromised_one_does_not(
    runner: CliRunner, number: str, tmp_path: Path, session: Session
) -> None:
    old = tmp_path / "old.json"
    assert runner.invoke(app, ["issue", number, "--out", str(old)]).exit_code == 0
    assert runner.invoke(keys_app, ["rotate", "mem-14"]).exit_code == 0
    after = tmp_path / "after"
    assert runner.invoke(app, ["bundle", number, str(after)]).exit_code == 0
    listed = read(after / "trust" / "issuers.json")
    issuer = next(i for i in listed["issuers"] if i["id"].endswith(":mem-14"))
    assert len(issuer["verificationMethod"]) == 2
    assert "validUntil" in issuer["verificationMethod"][0]  # the rotated key's window
    passed = verify_offline(runner, old, after)
    assert passed.exit_code == 0, passed.output
    old_key = read(old)["proof"]["verificationMethod"].split("#")[1]
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    marked = runner.invoke(keys_app, ["compromise", "mem-14", old_key, "--since", since])
    assert marked.exit_code == 0, marked.output
    later = tmp_path / "later"
    assert runner.invoke(app, ["bundle", number, str(later)]).exit_code == 0
    failed = verify_offline(runner, old, later, "--json")
    assert failed.exit_code == 1
    assert json.loads(failed.output)["failed_check"] == "key"
    assert "泄露" in json.loads(failed.output)["summary"]


def test_the_trust_list_is_published_signed_with_its_sequence_and_validity(
    client: TestClient,
    session: Session,
    settings: Settings,
    keys: Keys,
    registry,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CERTBRIDGE_KEY_DIR", str(tmp_path / "keys"))
    get_credential_settings.cache_clear()
    person, id_number = registry.person("郑和平")
    certificate, _ = registry.certificate(person, id_number, "建筑电工", issued=date(2025, 5, 1))
    session.commit()
    issuance = service.issuance_from(settings, keys)
    service.issue_credential(session, issuance, certificate)
    session.commit()
    first = client.get("/trust/issuers.json")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/json")
    document = first.json()
    assert document["type"] == "CertbridgeIssuerTrustList"
    assert {"issued", "validUntil", "sequence", "proof"} <= set(document)
    accepted = trustlist.verify(document, (trustlist.dev_root_public(),), datetime.now(UTC))
    assert [i.name for i in accepted.issuers.values()] == [certificate.issuer.name]
    assert client.get("/trust/issuers.json").json()["sequence"] == document["sequence"]
    service.rotate_key(session, issuance, "mohurd-14")
    session.commit()
    rotated = client.get("/trust/issuers.json").json()
    assert rotated["sequence"] == document["sequence"] + 1
    get_credential_settings.cache_clear()
    stranger = encode_public_key(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    monkeypatch.setenv("CERTBRIDGE_TRUST_ROOT_KEY", stranger)
    get_credential_settings.cache_clear()
    service.rotate_key(session, issuance, "mohurd-14")
    session.commit()
    refused = client.get("/trust/issuers.json")
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "trust.root_missing"
    get_credential_settings.cache_clear()


def test_a_new_root_key_made_on_the_command_line_signs_and_only_it_is_trusted(
    runner: CliRunner, number: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = runner.invoke(keys_app, ["root-create"])
    assert created.exit_code == 0, created.output
    new_root = created.output.split("新的信任根公钥：")[1].split()[0]
    monkeypatch.setenv("CERTBRIDGE_TRUST_ROOT_KEY", new_root)
    get_credential_settings.cache_clear()
    shown = runner.invoke(keys_app, ["root-show"])
    assert "签名用" in shown.output
    assert "私钥在密钥库中" in shown.output
    bundled = tmp_path / "b"
    assert runner.invoke(app, ["bundle", number, str(bundled)]).exit_code == 0
    assert verify_offline(runner, bundled / "credential.json", bundled).exit_code == 0
    monkeypatch.delenv("CERTBRIDGE_TRUST_ROOT_KEY")  # back to the shipped (development) root
    get_credential_settings.cache_clear()
    refused = verify_offline(runner, bundled / "credential.json", bundled)
    assert refused.exit_code == 1
    assert "不是由受信任的根密钥签发" in refused.output


def test_production_refuses_the_development_root() -> None:
    production = Settings(environment="production", hash_key="h" * 40, seal_key="s" * 40)
    with pytest.raises(InputError) as refused:
        trust_roots(production, get_credential_settings())
    assert refused.value.code == "trust.root"
    assert trust_roots(Settings(environment="test"), get_credential_settings()) == (
        trustlist.dev_root_public(),
    )


def test_the_shipped_root_is_the_development_root_whose_key_signs_in_development() -> None:
    shipped = Path(trustlist.__file__).parent / "trust_root.txt"
    assert trustlist.parse_roots(shipped.read_text(encoding="utf-8")) == (
        trustlist.dev_root_public(),
    )


# --- the age of the status lists --------------------------------------------------------


def test_an_offline_verdict_says_the_date_of_the_status_lists_it_rests_on(
    runner: CliRunner, bundle: Path, number: str
) -> None:
    """A bundle made before a suspension still passes offline, but says as of when."""
    suspended = runner.invoke(certificate_app, ["suspend", number, "--reason", "违章作业"])
    assert suspended.exit_code == 0, suspended.output
    result = verify_offline(runner, bundle / "credential.json", bundle, "--json")
    verdict = json.loads(result.output)
    assert verdict["verified"] is True
    assert verdict["status_as_of"].startswith(clock.today().isoformat())
    assert f"据{clock.today().isoformat()}" in verdict["summary"]
    assert "的状态列表" in verdict["summary"]
    assert any("7 天" in note and "默认值" in note for note in verdict["notes"])
    online = runner.invoke(app, ["verify", str(bundle / "credential.json"), "--json"])
    assert json.loads(online.output)["failed_check"] == "status"


def test_the_maximum_offline_age_can_be_set_per_verification_and_the_verdict_prints_it(
    runner: CliRunner, bundle: Path
) -> None:
    result = verify_offline(runner, bundle / "credential.json", bundle, "--max-age-days", "0")
    assert result.exit_code == 1
    assert "已超过离线核验允许的0天" in result.output
    assert "命令行 --max-age-days 指定" in result.output


def aged_verifier(bundle: Path, age: timedelta) -> Verifier:
    verifier = offline_verifier(
        bundle,
        contexts=credential_contexts(BASE),
        roots=(trustlist.dev_root_public(),),
        age_limit=AgeLimit(7, "默认值"),
    )
    verifier.clock = lambda: datetime.now(UTC) + age
    return verifier


@pytest.mark.usefixtures("runner")
def test_lists_older_than_their_ttl_warn_and_lists_past_the_offline_limit_fail(
    bundle: Path,
) -> None:
    credential = read(bundle / "credential.json")
    fresh = aged_verifier(bundle, timedelta(0)).verify(credential)
    assert fresh.verified
    assert fresh.warnings == []
    hours = aged_verifier(bundle, timedelta(hours=3)).verify(credential)
    assert hours.verified
    assert "已超过其建议的缓存时间（5分钟）" in hours.warnings[0]
    assert "注意：" in hours.summary
    week = aged_verifier(bundle, timedelta(days=8)).verify(credential)
    assert not week.verified
    assert week.failed is not None
    assert week.failed.code == "status"
    assert "请更新离线包" in week.summary
