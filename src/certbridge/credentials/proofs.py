"""Data Integrity proofs with the eddsa-jcs-2022 cryptosuite, and Multikey encodings. Pure.

The algorithms follow W3C "Data Integrity EdDSA Cryptosuites v1.0" (JCS variant): the proof
configuration and the document without its proof are each canonicalised with RFC 8785 (JCS),
hashed with SHA-256, and the concatenation proofConfigHash || documentHash is signed with
Ed25519. The signature travels as multibase base58btc ('z' prefix).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
PUBLIC_KEY_PREFIX = b"\xed\x01"  # multicodec ed25519-pub (varint 0xed)
SECRET_KEY_PREFIX = b"\x80\x26"  # multicodec ed25519-priv (varint 0x1300)
MAX_SAFE_INTEGER = 2**53 - 1

# Characters at or above U+E000 sort differently in UTF-16 (JCS) and in code points (Python).
_SORT_SENSITIVE = re.compile("[\ue000-\U0010ffff]")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


class ProofError(ValueError):
    """A proof that cannot be made or checked; `code` names the failed rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --- Multikey / multibase -------------------------------------------------------------


def encode_public_key(raw: bytes) -> str:
    """publicKeyMultibase of a 32-byte Ed25519 public key ('z6Mk…')."""
    if len(raw) != 32:
        raise ProofError("key.length", "公钥长度不正确")
    return "z" + base58.b58encode(PUBLIC_KEY_PREFIX + raw).decode()


def decode_public_key(multibase: str) -> bytes:
    data = _decode_base58btc(multibase, "key.multibase")
    if len(data) != 34 or not data.startswith(PUBLIC_KEY_PREFIX):
        raise ProofError("key.multicodec", "公钥编码不正确")
    return data[2:]


def encode_secret_key(raw: bytes) -> str:
    if len(raw) != 32:
        raise ProofError("key.length", "私钥长度不正确")
    return "z" + base58.b58encode(SECRET_KEY_PREFIX + raw).decode()


def decode_secret_key(multibase: str) -> bytes:
    data = _decode_base58btc(multibase, "key.multibase")
    if len(data) != 34 or not data.startswith(SECRET_KEY_PREFIX):
        raise ProofError("key.multicodec", "私钥编码不正确")
    return data[2:]


def _decode_base58btc(value: str, code: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 200:
        raise ProofError(code, "应为 base58btc 多重编码（以 z 开头）")
    try:
        return bytes(base58.b58decode(value[1:]))
    except ValueError:
        raise ProofError(code, "base58btc 编码无效") from None


# --- JCS ------------------------------------------------------------------------------


def canonicalize(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes.

    The C JSON encoder gives the same bytes as JCS when the value holds no float, no integer
    beyond ±2^53 and no character whose UTF-16 order differs from its code-point order; those
    cases (rare in credentials) go through the rfc8785 package. Verification is dominated by
    this step, hence the fast path; a property test holds both to the same output."""
    if _needs_reference_encoder(value):
        return bytes(rfc8785.dumps(value))
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProofError("jcs.surrogate", "文档含有无效的 Unicode 字符") from None


def _needs_reference_encoder(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict:
            for key in item:
                # Only keys are sorted, so only keys can order differently.
                if not key.isascii() and _SORT_SENSITIVE.search(key):
                    return True
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return True
        else:
            return True
    return False


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --- Proofs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProofOptions:
    verification_method: str
    created: str  # XML Schema dateTime, UTC, e.g. 2024-03-01T08:00:00Z
    proof_purpose: str = "assertionMethod"


def proof_configuration(document: dict[str, Any], options: ProofOptions) -> dict[str, Any]:
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": options.created,
        "verificationMethod": options.verification_method,
        "proofPurpose": options.proof_purpose,
    }
    if "@context" in document:
        # The proof carries the document's context, so it is signed along with it.
        config["@context"] = document["@context"]
    return config


def hash_data(config: dict[str, Any], document: dict[str, Any]) -> bytes:
    """proofConfigHash || transformedDocumentHash, the 64 bytes that get signed."""
    return sha256(canonicalize(config)) + sha256(canonicalize(document))


def add_proof(
    document: dict[str, Any], key: Ed25519PrivateKey, options: ProofOptions
) -> dict[str, Any]:
    """A copy of the document with an eddsa-jcs-2022 proof."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = proof_configuration(unsecured, options)
    signature = key.sign(hash_data(config, unsecured))
    proof = dict(config)
    proof["proofValue"] = "z" + base58.b58encode(signature).decode()
    return {**unsecured, "proof": proof}


@dataclass(frozen=True)
class CheckedProof:
    verification_method: str
    created: datetime
    proof_purpose: str


PublicKeyFor = Callable[[str], Ed25519PublicKey]


def verify_proof(secured: dict[str, Any], public_key_for: PublicKeyFor) -> CheckedProof:
    """Check the single eddsa-jcs-2022 proof of a document or raise ProofError.

    `public_key_for(verification_method)` returns the key or raises ProofError."""
    proof = secured.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("proof.missing", "缺少证明（proof），或含多个证明")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    _check_options(options)
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    if "@context" in options:
        _check_proof_context(options["@context"], unsecured.get("@context"))
        unsecured["@context"] = options["@context"]
    signature = _decode_base58btc(proof.get("proofValue", ""), "proof.value")
    if len(signature) != 64:
        raise ProofError("proof.value", "签名长度不正确")
    key = public_key_for(options["verificationMethod"])
    try:
        key.verify(signature, hash_data(options, unsecured))
    except InvalidSignature:
        raise ProofError("proof.signature", "签名验证失败：内容被改动或签名不属于此文档") from None
    return CheckedProof(
        options["verificationMethod"], parse_datetime(options["created"]), options["proofPurpose"]
    )


def _check_options(options: dict[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("proof.type", "签名类型不是本系统使用的数据完整性证明")
    for name in ("verificationMethod", "proofPurpose", "created"):
        if not isinstance(options.get(name), str):
            raise ProofError("proof.field", f"证明缺少字段 {name}")
    parse_datetime(options["created"])


def _check_proof_context(proof_context: Any, document_context: Any) -> None:
    """The document's @context must start with every value of the proof's, in order."""
    proof_list = proof_context if isinstance(proof_context, list) else [proof_context]
    doc_list = document_context if isinstance(document_context, list) else [document_context]
    if doc_list[: len(proof_list)] != proof_list:
        raise ProofError("proof.context", "证明的 @context 与文档的 @context 不一致")


def parse_datetime(value: Any) -> datetime:
    """An XML Schema dateTime with an explicit time zone."""
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise ProofError("datetime", f"时间格式无效：{str(value)[:40]}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ProofError("datetime", f"时间格式无效：{value[:40]}") from None
