"""Verification that fails closed, check by check, with a verdict in Chinese.

The verifier never touches the network: DID documents and status lists come from a
Resolver (the registry database online, a bundle directory offline). Anything that cannot
be had or parsed is a failed check, never an exception."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certbridge.credentials import statuslist
from certbridge.credentials.proofs import (
    CheckedProof,
    ProofError,
    decode_public_key,
    parse_datetime,
    verify_proof,
)
from certbridge.credentials.statuslist import StatusListError

CHECK_LABELS = {
    "format": "格式与大小",
    "context": "JSON-LD 上下文",
    "issuer": "发证方身份（DID）",
    "proof": "签名与证明",
    "key": "签名密钥在签名时有效",
    "validity": "有效期",
    "status": "状态列表（注销/暂停）",
    "registry": "与登记库一致",
}
CLOCK_SKEW = timedelta(minutes=5)


class Resolver(Protocol):
    def did_document(self, did: str) -> dict[str, Any] | None: ...

    def status_list_credential(self, url: str) -> dict[str, Any] | None: ...


@dataclass
class Check:
    code: str
    ok: bool | None  # None: not run (an earlier check failed) or not applicable
    detail: str = ""

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.code]


@dataclass
class Verdict:
    verified: bool
    summary: str
    checks: list[Check]
    credential: dict[str, Any] | None = None

    @property
    def failed(self) -> Check | None:
        return next((c for c in self.checks if c.ok is False), None)

    def as_dict(self) -> dict[str, Any]:
        subject = (self.credential or {}).get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        return {
            "verified": self.verified,
            "summary": self.summary,
            "failed_check": self.failed.code if self.failed else None,
            "checks": [
                {"code": c.code, "label": c.label, "ok": c.ok, "detail": c.detail}
                for c in self.checks
            ],
            "credential_id": (self.credential or {}).get("id"),
            "certificate_number": subject.get("certificateNumber"),
            "holder_name": subject.get("holderName"),
        }


class CheckFailed(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class _Method:
    key: Ed25519PublicKey
    revoked: datetime | None


@dataclass
class _List:
    bits: bytes
    purpose: str
    expires: float


RegistryCheck = Callable[[dict[str, Any]], Check]


@dataclass
class Verifier:
    """Reusable: caches DID documents and status lists for the lists' ttl (and keys forever,
    since a multibase string always names the same key)."""

    resolver: Resolver
    expected_contexts: list[str]
    max_bytes: int = 64 * 1024
    did_ttl_seconds: float = 300.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    registry_check: RegistryCheck | None = None
    _methods: dict[str, tuple[float, dict[str, _Method], set[str]]] = field(default_factory=dict)
    _lists: dict[str, _List] = field(default_factory=dict)
    _keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    # --- entry points -----------------------------------------------------------------

    def verify_text(self, text: str | bytes) -> Verdict:
        size = len(text.encode() if isinstance(text, str) else text)
        if size > self.max_bytes:
            return self._refused("format", f"内容过大（{size}字节，上限{self.max_bytes}字节）")
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return self._refused("format", "不是有效的 JSON")
        if not isinstance(document, dict):
            return self._refused("format", "JSON 顶层应为对象")
        return self.verify(document)

    def verify(self, credential: dict[str, Any]) -> Verdict:
        checks: list[Check] = []
        chain: list[tuple[str, Callable[[], str]]] = [
            ("format", lambda: self._format(credential)),
            ("context", lambda: self._context(credential)),
        ]
        state: dict[str, Any] = {}
        chain += [
            ("issuer", lambda: self._issuer(credential, state)),
            ("proof", lambda: self._proof(credential, state)),
            ("key", lambda: self._key(state)),
        ]
        trusted = self._run(chain, checks)
        if trusted:
            self._run([("validity", lambda: self._validity(credential))], checks, stop=False)
            self._run([("status", lambda: self._status(credential))], checks, stop=False)
            if self.registry_check is not None:
                checks.append(self._guarded_registry(credential))
            else:
                checks.append(Check("registry", None, "离线核验：未与登记库比对"))
        else:
            for code in ("validity", "status", "registry"):
                checks.append(Check(code, None, "未执行：前面的检查未通过"))
        return self._verdict(checks, credential)

    # --- plumbing ---------------------------------------------------------------------

    def _run(
        self, steps: list[tuple[str, Callable[[], str]]], checks: list[Check], stop: bool = True
    ) -> bool:
        for index, (code, step) in enumerate(steps):
            try:
                checks.append(Check(code, True, step()))
            except CheckFailed as exc:
                checks.append(Check(code, False, exc.detail))
            except (ProofError, StatusListError) as exc:
                checks.append(Check(code, False, exc.message))
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
                checks.append(Check(code, False, f"无法处理的内容（{type(exc).__name__}）"))
            if checks[-1].ok is False and stop:
                for later, _ in steps[index + 1 :]:
                    checks.append(Check(later, None, "未执行：前面的检查未通过"))
                return False
        return all(c.ok for c in checks)

    def _guarded_registry(self, credential: dict[str, Any]) -> Check:
        assert self.registry_check is not None
        try:
            return self.registry_check(credential)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return Check("registry", False, f"登记库比对失败（{type(exc).__name__}）")

    def _refused(self, code: str, detail: str) -> Verdict:
        checks = [Check(code, False, detail)]
        checks += [Check(c, None, "未执行：前面的检查未通过") for c in CHECK_LABELS if c != code]
        return self._verdict(checks, None)

    def _verdict(self, checks: list[Check], credential: dict[str, Any] | None) -> Verdict:
        failed = next((c for c in checks if c.ok is False), None)
        if failed is not None:
            summary = f"核验未通过：{failed.label}——{failed.detail}"
            return Verdict(False, summary, checks, credential)
        summary = "核验通过：数字证书真实、未被篡改，当前未被注销或暂停"
        if any(c.code == "registry" and c.ok is None for c in checks):
            summary += "（离线核验，未与登记库比对）"
        return Verdict(True, summary, checks, credential)

    # --- checks -----------------------------------------------------------------------

    def _format(self, credential: dict[str, Any]) -> str:
        types = credential.get("type")
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            raise CheckFailed("type 应包含 VerifiableCredential")
        if "OpenBadgeCredential" not in types:
            raise CheckFailed("type 应包含 OpenBadgeCredential")
        for name in ("id", "validFrom"):
            if not isinstance(credential.get(name), str):
                raise CheckFailed(f"缺少字段 {name}")
        if not isinstance(credential.get("credentialSubject"), dict):
            raise CheckFailed("缺少 credentialSubject")
        if not isinstance(credential.get("proof"), dict):
            raise CheckFailed("缺少证明（proof），或含多个证明")
        return "结构完整"

    def _context(self, credential: dict[str, Any]) -> str:
        if credential.get("@context") != self.expected_contexts:
            raise CheckFailed("@context 与本系统签发的凭证不一致（上下文错误或被替换）")
        proof = credential["proof"]
        if proof.get("@context", self.expected_contexts) != self.expected_contexts:
            raise CheckFailed("证明的 @context 与凭证不一致")
        return "上下文均为本地存档的已知版本"

    def _issuer(self, credential: dict[str, Any], state: dict[str, Any]) -> str:
        issuer = credential.get("issuer")
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(did, str) or not did.startswith("did:web:"):
            raise CheckFailed("发证方应为 did:web 标识")
        method_id = credential["proof"].get("verificationMethod")
        if not isinstance(method_id, str) or not method_id.startswith(did + "#"):
            raise CheckFailed("签名密钥不属于凭证所写的发证方")
        methods, assertion = self._did_methods(did)
        if method_id not in methods or method_id not in assertion:
            raise CheckFailed("发证方 DID 文档中没有此签名密钥")
        state["method"] = methods[method_id]
        return f"{did}"

    def _did_methods(self, did: str) -> tuple[dict[str, _Method], set[str]]:
        cached = self._methods.get(did)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        document = self.resolver.did_document(did)
        if not isinstance(document, dict) or document.get("id") != did:
            raise CheckFailed("无法获取发证方的 DID 文档（未知发证方）")
        methods: dict[str, _Method] = {}
        for entry in document.get("verificationMethod", []):
            if entry.get("type") != "Multikey" or entry.get("controller") != did:
                continue
            revoked = entry.get("revoked")
            methods[entry["id"]] = _Method(
                self._public_key(entry["publicKeyMultibase"]),
                parse_datetime(revoked) if revoked is not None else None,
            )
        assertion = {m for m in document.get("assertionMethod", []) if isinstance(m, str)}
        self._methods[did] = (time.monotonic() + self.did_ttl_seconds, methods, assertion)
        return methods, assertion

    def _public_key(self, multibase: str) -> Ed25519PublicKey:
        key = self._keys.get(multibase)
        if key is None:
            key = Ed25519PublicKey.from_public_bytes(decode_public_key(multibase))
            self._keys[multibase] = key
        return key

    def _proof(self, credential: dict[str, Any], state: dict[str, Any]) -> str:
        method: _Method = state["method"]
        checked = verify_proof(credential, lambda _vm: method.key)
        if checked.proof_purpose != "assertionMethod":
            raise CheckFailed("证明用途应为 assertionMethod")
        state["proof"] = checked
        return "eddsa-jcs-2022 签名有效"

    def _key(self, state: dict[str, Any]) -> str:
        method: _Method = state["method"]
        checked: CheckedProof = state["proof"]
        if method.revoked is not None and checked.created >= method.revoked:
            raise CheckFailed(f"签名密钥自{method.revoked:%Y-%m-%d}起已标记为泄露，此后的签名无效")
        if checked.created > self.clock() + CLOCK_SKEW:
            raise CheckFailed("签名时间晚于当前时间")
        return f"签名时间 {checked.created:%Y-%m-%d %H:%M}（UTC）"

    def _validity(self, credential: dict[str, Any]) -> str:
        now = self.clock()
        valid_from = parse_datetime(credential["validFrom"])
        if now < valid_from:
            raise CheckFailed(f"尚未生效（生效时间 {valid_from:%Y-%m-%d}）")
        until = credential.get("validUntil")
        if until is not None:
            valid_until = parse_datetime(until)
            if now > valid_until:
                raise CheckFailed(f"已过有效期（有效期至 {valid_until:%Y-%m-%d}）")
            return f"有效期至 {valid_until:%Y-%m-%d}"
        return "长期有效"

    def _status(self, credential: dict[str, Any]) -> str:
        entries = credential.get("credentialStatus")
        entries = entries if isinstance(entries, list) else [entries]
        purposes = set()
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
                raise CheckFailed("credentialStatus 应为 BitstringStatusListEntry")
            purpose = entry.get("statusPurpose")
            index = statuslist.parse_index(entry.get("statusListIndex"))
            listed = self._list(entry.get("statusListCredential"), purpose)
            if statuslist.bit(listed.bits, index):
                word = "已注销" if purpose == "revocation" else "已暂停"
                raise CheckFailed(f"状态列表显示该证书{word}")
            purposes.add(purpose)
        if purposes != set(statuslist.PURPOSES):
            raise CheckFailed("凭证应同时带有注销和暂停两个状态条目")
        return "未被注销，未被暂停"

    def _list(self, url: Any, purpose: Any) -> _List:
        if not isinstance(url, str):
            raise CheckFailed("statusListCredential 缺失")
        cached = self._lists.get(url)
        if cached is None or cached.expires <= time.monotonic():
            cached = self._load_list(url)
            self._lists[url] = cached
        if cached.purpose != purpose:
            raise CheckFailed("状态列表的用途与条目不一致")
        return cached

    def _load_list(self, url: str) -> _List:
        document = self.resolver.status_list_credential(url)
        if not isinstance(document, dict):
            raise CheckFailed("无法获取状态列表，不能确认证书未被注销或暂停")
        if document.get("id") != url:
            raise CheckFailed("状态列表的 id 与地址不一致")
        issuer = document.get("issuer")
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        method_id = document.get("proof", {}).get("verificationMethod", "")
        if not isinstance(did, str) or not str(method_id).startswith(did + "#"):
            raise CheckFailed("状态列表的签名密钥不属于其发证方")
        methods, assertion = self._did_methods(did)
        method = methods.get(method_id)
        if method is None or method_id not in assertion:
            raise CheckFailed("状态列表的签名密钥不在发证方 DID 文档中")
        try:
            checked = verify_proof(document, lambda _vm: method.key)
        except ProofError as exc:
            raise CheckFailed(f"状态列表签名无效：{exc.message}") from None
        if method.revoked is not None and checked.created >= method.revoked:
            raise CheckFailed("状态列表由已泄露的密钥签名")
        subject = document.get("credentialSubject", {})
        if subject.get("type") != "BitstringStatusList":
            raise CheckFailed("状态列表类型应为 BitstringStatusList")
        bits = statuslist.decode(subject.get("encodedList"))
        ttl = subject.get("ttl", 300_000)
        ttl_seconds = ttl / 1000 if isinstance(ttl, int) and ttl > 0 else 300.0
        return _List(bits, str(subject.get("statusPurpose")), time.monotonic() + ttl_seconds)
