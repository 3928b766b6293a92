"""Verification that fails closed, check by check, with a verdict in Chinese.

The verifier never touches the network: DID documents and status lists come from a
Resolver (the registry database online, a bundle directory offline), and which keys may
sign for which issuer comes from a trust anchor that does not travel with the credential
(the registry's own key records online, a trust list signed by the registry root offline).
Anything that cannot be had or parsed is a failed check, never an exception."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certbridge.clock import CHINA
from certbridge.credentials import statuslist
from certbridge.credentials.chinatime import china_minute
from certbridge.credentials.proofs import (
    CRYPTOSUITE,
    CheckedProof,
    ProofError,
    decode_public_key,
    parse_datetime,
    verify_proof,
)
from certbridge.credentials.statuslist import StatusListError
from certbridge.credentials.trustlist import TrustedKey, TrustError

CHECK_LABELS = {
    "format": "格式与大小",
    "context": "JSON-LD 上下文",
    "issuer": "发证方身份",
    "trust": "发证方密钥受登记机构担保",
    "proof": "电子签名",
    "key": "签名密钥在签名时有效",
    "validity": "有效期",
    "status": "状态列表（撤销/暂扣）",
    "registry": "与登记库一致",
}
CLOCK_SKEW = timedelta(minutes=5)
REVOKED_WORDS = "撤销、吊销或注销"
SUSPENDED_WORDS = "暂扣或暂停"


class Resolver(Protocol):
    def did_document(self, did: str) -> dict[str, Any] | None: ...

    def status_list_credential(self, url: str) -> dict[str, Any] | None: ...


class TrustAnchor(Protocol):
    """Which keys may sign for which issuer, and when (trustlist.TrustList or the registry)."""

    def trusted_key(self, did: str, method_id: str) -> TrustedKey: ...

    def describe(self) -> str: ...


@dataclass
class Check:
    code: str
    ok: bool | None  # None: not run (an earlier check failed) or not applicable
    detail: str = ""  # for people: Chinese words, no algorithm names
    technical: str = ""  # for programs (JSON only): algorithms, identifiers

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.code]


@dataclass(frozen=True)
class AgeLimit:
    """How old the status lists may be (offline), and who said so (printed in the verdict)."""

    days: int
    source: str


@dataclass
class Verdict:
    verified: bool
    summary: str
    checks: list[Check]
    credential: dict[str, Any] | None = None
    status_as_of: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> Check | None:
        return next((c for c in self.checks if c.ok is False), None)

    def as_dict(self) -> dict[str, Any]:
        credential = self.credential or {}
        subject = credential.get("credentialSubject")
        subject = subject if isinstance(subject, dict) else {}
        issuer = credential.get("issuer")
        return {
            "verified": self.verified,
            "summary": self.summary,
            "failed_check": self.failed.code if self.failed else None,
            "checks": [
                {
                    "code": c.code,
                    "label": c.label,
                    "ok": c.ok,
                    "detail": c.detail,
                    "technical": c.technical,
                }
                for c in self.checks
            ],
            "status_as_of": self.status_as_of.isoformat() if self.status_as_of else None,
            "warnings": self.warnings,
            "notes": self.notes,
            "credential_id": credential.get("id"),
            "certificate_number": subject.get("certificateNumber"),
            "certificate_name": _text(credential.get("name")),
            "holder_name": subject.get("holderName"),
            "issuer_name": _text(issuer.get("name") if isinstance(issuer, dict) else None),
        }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class CheckFailed(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Two values for one key: parsers disagree on which wins, so neither may."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKeyError(key)
        found[key] = value
    return found


def load_json(text: str | bytes) -> Any:
    """json.loads that refuses duplicate keys (DuplicateKeyError) at any depth."""
    return json.loads(text, object_pairs_hook=_refuse_duplicates)


@dataclass
class _Method:
    key: Ed25519PublicKey
    multibase: str
    revoked: datetime | None


@dataclass
class _List:
    bits: bytes
    purpose: str
    issued: datetime  # the list's validFrom: the moment its bits were signed as current
    ttl: timedelta
    expires: float


RegistryCheck = Callable[[dict[str, Any]], Check]
TrustSource = Callable[[datetime], TrustAnchor]  # called once, with the verifier's now


@dataclass
class Verifier:
    """Reusable: caches DID documents and status lists for the lists' ttl (and keys forever,
    since a multibase string always names the same key)."""

    resolver: Resolver
    expected_contexts: list[str]
    trust: TrustSource
    max_bytes: int = 64 * 1024
    did_ttl_seconds: float = 300.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    registry_check: RegistryCheck | None = None
    age_limit: AgeLimit | None = None
    _methods: dict[str, tuple[float, dict[str, _Method], set[str]]] = field(default_factory=dict)
    _lists: dict[str, _List] = field(default_factory=dict)
    _keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    _anchor: TrustAnchor | None = None

    # --- entry points -----------------------------------------------------------------

    def verify_text(self, text: str | bytes) -> Verdict:
        size = len(text.encode() if isinstance(text, str) else text)
        if size > self.max_bytes:
            return self._refused("format", f"内容过大（{size}字节，上限{self.max_bytes}字节）")
        try:
            document = load_json(text)
        except DuplicateKeyError as exc:
            return self._refused(
                "format", f"JSON 中字段“{exc.key[:40]}”出现了两次，无法确定以哪个为准"
            )
        except (ValueError, RecursionError):
            return self._refused("format", "不是有效的 JSON")
        if not isinstance(document, dict):
            return self._refused("format", "JSON 顶层应为对象")
        return self.verify(document)

    def verify(self, credential: dict[str, Any]) -> Verdict:
        checks: list[Check] = []
        state: dict[str, Any] = {"warnings": []}
        chain: list[tuple[str, Callable[[], str | tuple[str, str]]]] = [
            ("format", lambda: self._format(credential)),
            ("context", lambda: self._context(credential)),
            ("issuer", lambda: self._issuer(credential, state)),
            ("trust", lambda: self._trust(state)),
            ("proof", lambda: self._proof(credential, state)),
            ("key", lambda: self._key(state)),
        ]
        trusted = self._run(chain, checks)
        if trusted:
            self._run([("validity", lambda: self._validity(credential))], checks, stop=False)
            self._run([("status", lambda: self._status(credential, state))], checks, stop=False)
            if self.registry_check is not None:
                checks.append(self._guarded_registry(credential))
            else:
                checks.append(Check("registry", None, "离线核验：未与登记库比对"))
        else:
            for code in ("validity", "status", "registry"):
                checks.append(Check(code, None, "未执行：前面的检查未通过"))
        return self._verdict(checks, credential, state)

    # --- plumbing ---------------------------------------------------------------------

    def _run(
        self,
        steps: list[tuple[str, Callable[[], str | tuple[str, str]]]],
        checks: list[Check],
        stop: bool = True,
    ) -> bool:
        for index, (code, step) in enumerate(steps):
            try:
                result = step()
                detail, technical = result if isinstance(result, tuple) else (result, "")
                checks.append(Check(code, True, detail, technical))
            except CheckFailed as exc:
                checks.append(Check(code, False, exc.detail))
            except (ProofError, StatusListError) as exc:
                checks.append(Check(code, False, exc.message, exc.code))
            except TrustError as exc:
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
        return self._verdict(checks, None, {"warnings": []})

    def _verdict(
        self, checks: list[Check], credential: dict[str, Any] | None, state: dict[str, Any]
    ) -> Verdict:
        as_of: datetime | None = state.get("as_of")
        notes = []
        if self.age_limit is not None:
            notes.append(
                f"离线核验时限：状态列表不得早于核验前 {self.age_limit.days} 天"
                f"（{self.age_limit.source}）"
            )
        failed = next((c for c in checks if c.ok is False), None)
        if failed is not None:
            summary = f"核验未通过：{failed.label}——{failed.detail}"
            return Verdict(False, summary, checks, credential, as_of, state["warnings"], notes)
        offline = any(c.code == "registry" and c.ok is None for c in checks)
        if offline and as_of is not None:
            standing = (
                f"据{china_minute(as_of)}的状态列表，未被{REVOKED_WORDS}，未被{SUSPENDED_WORDS}"
            )
        else:
            standing = f"当前未被{REVOKED_WORDS}，未被{SUSPENDED_WORDS}"
        summary = f"核验通过：数字证书真实、未被篡改；{standing}"
        if offline:
            summary += "（离线核验，未与登记库比对）"
        for warning in state["warnings"]:
            summary += f"。注意：{warning}"
        return Verdict(True, summary, checks, credential, as_of, state["warnings"], notes)

    def _trust_anchor(self) -> TrustAnchor:
        if self._anchor is None:
            self._anchor = self.trust(self.clock())
        return self._anchor

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

    def _issuer(self, credential: dict[str, Any], state: dict[str, Any]) -> tuple[str, str]:
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
        state["did"], state["method_id"], state["method"] = did, method_id, methods[method_id]
        name = issuer.get("name") if isinstance(issuer, dict) else None
        return (name if isinstance(name, str) and name else "发证方身份可识别"), did

    def _trust(self, state: dict[str, Any]) -> tuple[str, str]:
        anchor = self._trust_anchor()
        trusted = anchor.trusted_key(state["did"], state["method_id"])
        method: _Method = state["method"]
        if trusted.public_key_multibase != method.multibase:
            raise CheckFailed("DID 文档中的公钥与信任清单记载的不一致")
        state["trusted"] = trusted
        return f"{anchor.describe()}列有此签名密钥", state["method_id"]

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
            multibase = entry["publicKeyMultibase"]
            methods[entry["id"]] = _Method(
                self._public_key(multibase),
                multibase,
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

    def _proof(self, credential: dict[str, Any], state: dict[str, Any]) -> tuple[str, str]:
        method: _Method = state["method"]
        checked = verify_proof(credential, lambda _vm: method.key)
        if checked.proof_purpose != "assertionMethod":
            raise CheckFailed("证明用途应为 assertionMethod")
        state["proof"] = checked
        return "电子签名有效，内容未被改动", f"DataIntegrityProof {CRYPTOSUITE} (Ed25519)"

    def _key(self, state: dict[str, Any]) -> str:
        method: _Method = state["method"]
        trusted: TrustedKey = state["trusted"]
        checked: CheckedProof = state["proof"]
        if method.revoked is not None and checked.created >= method.revoked:
            raise CheckFailed(
                f"签名密钥自{china_minute(method.revoked)}起已标记为泄露，此后的签名无效"
            )
        trusted.check_signed_at(checked.created)
        if checked.created > self.clock() + CLOCK_SKEW:
            raise CheckFailed("签名时间晚于当前时间")
        return f"签名时间 {china_minute(checked.created)}"

    def _validity(self, credential: dict[str, Any]) -> str:
        now = self.clock()
        valid_from = parse_datetime(credential["validFrom"])
        if now < valid_from:
            raise CheckFailed(f"尚未生效（生效日期 {valid_from.astimezone(CHINA):%Y-%m-%d}）")
        until = credential.get("validUntil")
        if until is not None:
            valid_until = parse_datetime(until).astimezone(CHINA)
            if now > valid_until:
                raise CheckFailed(f"已过有效期（有效期至 {valid_until:%Y-%m-%d}）")
            return f"有效期至 {valid_until:%Y-%m-%d}"
        return "长期有效"

    def _status(self, credential: dict[str, Any], state: dict[str, Any]) -> str:
        entries = credential.get("credentialStatus")
        entries = entries if isinstance(entries, list) else [entries]
        purposes = set()
        lists: list[_List] = []
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
                raise CheckFailed("credentialStatus 应为 BitstringStatusListEntry")
            purpose = entry.get("statusPurpose")
            index = statuslist.parse_index(entry.get("statusListIndex"))
            listed = self._list(entry.get("statusListCredential"), purpose)
            lists.append(listed)
            state["as_of"] = min(listed.issued, state.get("as_of", listed.issued))
            if statuslist.bit(listed.bits, index):
                word = REVOKED_WORDS if purpose == "revocation" else SUSPENDED_WORDS
                raise CheckFailed(
                    f"状态列表（截至{china_minute(listed.issued)}）显示该证书已被{word}"
                )
            purposes.add(purpose)
        if purposes != set(statuslist.PURPOSES):
            raise CheckFailed("凭证应同时带有撤销和暂扣两个状态条目")
        as_of: datetime = state["as_of"]
        self._check_age(as_of, min(listed.ttl for listed in lists), state)
        return f"截至{china_minute(as_of)}，未被{REVOKED_WORDS}，未被{SUSPENDED_WORDS}"

    def _check_age(self, as_of: datetime, ttl: timedelta, state: dict[str, Any]) -> None:
        """Fail past the offline age limit; warn past the lists' ttl (meant for caches)."""
        age = self.clock() - as_of
        if self.age_limit is not None and age > timedelta(days=self.age_limit.days):
            raise CheckFailed(
                f"状态列表截至{china_minute(as_of)}，已超过离线核验允许的"
                f"{self.age_limit.days}天：此后的暂扣、撤销无从得知，请更新离线包后再核验"
            )
        if age > ttl:
            minutes = max(int(ttl.total_seconds() // 60), 1)
            state["warnings"].append(
                f"状态列表截至{china_minute(as_of)}，已超过其建议的缓存时间（{minutes}分钟），"
                "此后的暂扣、撤销未必反映在内"
            )

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
            raise CheckFailed("无法获取状态列表，不能确认证书未被撤销或暂扣")
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
            trusted = self._trust_anchor().trusted_key(did, method_id)
        except TrustError as exc:
            raise CheckFailed(f"状态列表的签名密钥未获担保：{exc.message}") from None
        if trusted.public_key_multibase != method.multibase:
            raise CheckFailed("状态列表的签名密钥与信任清单记载的不一致")
        try:
            checked = verify_proof(document, lambda _vm: method.key)
        except ProofError as exc:
            raise CheckFailed(f"状态列表签名无效：{exc.message}") from None
        if method.revoked is not None and checked.created >= method.revoked:
            raise CheckFailed("状态列表由已泄露的密钥签名")
        try:
            trusted.check_signed_at(checked.created)
        except TrustError as exc:
            raise CheckFailed(f"状态列表的签名：{exc.message}") from None
        subject = document.get("credentialSubject", {})
        if subject.get("type") != "BitstringStatusList":
            raise CheckFailed("状态列表类型应为 BitstringStatusList")
        issued = parse_datetime(document.get("validFrom"))
        if issued > self.clock() + CLOCK_SKEW:
            raise CheckFailed("状态列表的生效时间晚于当前时间")
        until = document.get("validUntil")
        if until is not None and self.clock() > parse_datetime(until):
            raise CheckFailed("状态列表已过期，请取得最新的状态列表")
        bits = statuslist.decode(subject.get("encodedList"))
        ttl = subject.get("ttl", 300_000)
        ttl_seconds = ttl / 1000 if isinstance(ttl, int) and ttl > 0 else 300.0
        return _List(
            bits,
            str(subject.get("statusPurpose")),
            issued,
            timedelta(seconds=ttl_seconds),
            time.monotonic() + ttl_seconds,
        )
