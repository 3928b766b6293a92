"""The signed trust list of issuers: the anchor an offline verifier holds. Pure.

A DID document arrives with the credential (in a bundle, or from whoever serves it), so it
can vouch for nothing: anyone can add a key to it and sign what they like. The trust list
says which keys each of our issuers may sign with, and when: every key's window (from its
creation to its retirement by rotation) and the moment from which it counts as
compromised. It is signed (eddsa-jcs-2022 over the plain JSON) by the registry's root key,
whose public half the verifier is configured with and which never travels with a
credential. `sequence` grows with every publication; `validUntil` bounds how long a copy
may be used."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certbridge.credentials.chinatime import china_minute
from certbridge.credentials.proofs import (
    ProofError,
    ProofOptions,
    add_proof,
    canonicalize,
    decode_public_key,
    encode_public_key,
    parse_datetime,
    verify_proof,
)

TRUST_LIST_TYPE = "CertbridgeIssuerTrustList"
TRUST_LIST_PATH = "/trust/issuers.json"
CLOCK_SKEW = timedelta(minutes=5)

# The development root: its private half is derived from this public sentence, so every
# development install and test run signs trust lists that the shipped root key
# (trust_root.txt) verifies. Production refuses it, as it refuses the other dev secrets.
DEV_ROOT_SEED = b"certbridge development trust root: public knowledge, never for production"


class TrustError(ValueError):
    """The trust list cannot be used, or does not vouch for a key; `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def dev_root_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(DEV_ROOT_SEED).digest())


def dev_root_public() -> str:
    return encode_public_key(dev_root_key().public_key().public_bytes_raw())


def root_method(public_key_multibase: str) -> str:
    """The root key as a verification method: did:key, self-describing, no resolver needed."""
    return f"did:key:{public_key_multibase}#{public_key_multibase}"


def parse_roots(text: str) -> tuple[str, ...]:
    """Root public keys (publicKeyMultibase), one per line or comma-separated; '#' comments."""
    keys: list[str] = []
    for line in text.splitlines():
        for part in line.split("#", 1)[0].split(","):
            if part.strip():
                keys.append(part.strip())
    for key in keys:
        decode_public_key(key)  # ProofError if not an Ed25519 Multikey
    return tuple(keys)


def xsd(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what the list holds ----------------------------------------------------------------


@dataclass(frozen=True)
class TrustedKey:
    method_id: str
    public_key_multibase: str
    valid_from: datetime
    valid_until: datetime | None  # retired by rotation: no signature after this moment
    compromised_from: datetime | None  # no signature from this moment on

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.method_id,
            "publicKeyMultibase": self.public_key_multibase,
            "validFrom": xsd(self.valid_from),
        }
        if self.valid_until is not None:
            entry["validUntil"] = xsd(self.valid_until)
        if self.compromised_from is not None:
            entry["compromisedFrom"] = xsd(self.compromised_from)
        return entry

    def check_signed_at(self, moment: datetime) -> None:
        """Raise TrustError unless a signature made at `moment` falls in this key's window."""
        if self.compromised_from is not None and moment >= self.compromised_from:
            raise TrustError(
                f"信任清单记载该签名密钥自{china_minute(self.compromised_from)}起已泄露，此后的签名无效"
            )
        if moment < self.valid_from - CLOCK_SKEW:
            raise TrustError(f"签名时间早于该密钥启用时间（{china_minute(self.valid_from)}）")
        if self.valid_until is not None and moment > self.valid_until + CLOCK_SKEW:
            raise TrustError(
                f"该密钥已于{china_minute(self.valid_until)}停用（轮换），此后的签名无效"
            )


@dataclass(frozen=True)
class TrustedIssuer:
    did: str
    name: str
    keys: tuple[TrustedKey, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.did,
            "name": self.name,
            "verificationMethod": [key.as_json() for key in self.keys],
        }


@dataclass(frozen=True)
class TrustList:
    """A trust list a verifier has accepted (or the registry's own view of its keys)."""

    sequence: int
    issued: datetime
    valid_until: datetime
    issuers: dict[str, TrustedIssuer] = field(default_factory=dict)
    root: str | None = None  # the root key that signed it; None for the registry's own view

    def trusted_key(self, did: str, method_id: str) -> TrustedKey:
        issuer = self.issuers.get(did)
        if issuer is None:
            raise TrustError("信任清单中没有这个发证方：其 DID 文档未获登记机构担保")
        for key in issuer.keys:
            if key.method_id == method_id:
                return key
        raise TrustError("信任清单未列出此签名密钥：DID 文档中的这个密钥未获登记机构担保")

    def describe(self) -> str:
        if self.root is None:
            return "登记库中的发证方密钥记录"
        return (
            f"信任清单第{self.sequence}版（签发于{china_minute(self.issued)}，"
            f"有效至{china_minute(self.valid_until)}）"
        )


# --- signing and reading ------------------------------------------------------------------


def build(
    *,
    url: str,
    sequence: int,
    issued: datetime,
    valid_until: datetime,
    issuers: Sequence[TrustedIssuer],
) -> dict[str, Any]:
    """The unsigned trust list document (plain JSON, issuers and keys in a stable order)."""
    return {
        "type": TRUST_LIST_TYPE,
        "id": url,
        "sequence": sequence,
        "issued": xsd(issued),
        "validUntil": xsd(valid_until),
        "issuers": [issuer.as_json() for issuer in sorted(issuers, key=lambda i: i.did)],
    }


def content_digest(issuers: Sequence[TrustedIssuer]) -> str:
    """What changes when a key is added, rotated or compromised (not when time passes)."""
    body = [issuer.as_json() for issuer in sorted(issuers, key=lambda i: i.did)]
    return hashlib.sha256(canonicalize(body)).hexdigest()


def sign(document: dict[str, Any], root: Ed25519PrivateKey) -> dict[str, Any]:
    public = encode_public_key(root.public_key().public_bytes_raw())
    return add_proof(document, root, ProofOptions(root_method(public), document["issued"]))


def verify(document: Any, roots: Sequence[str], now: datetime) -> TrustList:
    """Accept a signed trust list or raise TrustError (with the reason in Chinese): signed
    by one of the configured roots, issued before now, not past its validUntil."""
    if not isinstance(document, dict) or document.get("type") != TRUST_LIST_TYPE:
        raise TrustError("信任清单缺失或格式不正确")
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    root = next((r for r in roots if method == root_method(r)), None)
    if root is None:
        raise TrustError("信任清单不是由受信任的根密钥签发的")
    public = Ed25519PublicKey.from_public_bytes(decode_public_key(root))
    try:
        verify_proof(document, lambda _method: public)
    except ProofError as exc:
        raise TrustError(f"信任清单签名无效：{exc.message}") from None
    trust = parse(document, root)
    if trust.issued > now + CLOCK_SKEW:
        raise TrustError("信任清单的签发时间晚于当前时间")
    if now > trust.valid_until:
        raise TrustError(
            f"信任清单已过期（有效至{china_minute(trust.valid_until)}）：请取得最新的信任清单"
        )
    return trust


def parse(document: dict[str, Any], root: str | None) -> TrustList:
    try:
        sequence = document["sequence"]
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
            raise TrustError("信任清单的版本号（sequence）无效")
        issuers: dict[str, TrustedIssuer] = {}
        for entry in document["issuers"]:
            keys = tuple(
                TrustedKey(
                    method_id=str(method["id"]),
                    public_key_multibase=str(method["publicKeyMultibase"]),
                    valid_from=parse_datetime(method["validFrom"]),
                    valid_until=_optional_time(method.get("validUntil")),
                    compromised_from=_optional_time(method.get("compromisedFrom")),
                )
                for method in entry["verificationMethod"]
            )
            did = str(entry["id"])
            issuers[did] = TrustedIssuer(did, str(entry.get("name", "")), keys)
        return TrustList(
            sequence=sequence,
            issued=parse_datetime(document["issued"]),
            valid_until=parse_datetime(document["validUntil"]),
            issuers=issuers,
            root=root,
        )
    except (KeyError, TypeError, AttributeError, ProofError):
        raise TrustError("信任清单格式不正确") from None


def _optional_time(value: Any) -> datetime | None:
    return None if value is None else parse_datetime(value)
