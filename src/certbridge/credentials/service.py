"""Credentials services: issuer keys, DID documents, status lists, issuance, status changes.

Every function takes a Session and never commits: the caller owns the unit of work."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.config import Settings
from certbridge.credentials import statuslist, trustlist
from certbridge.credentials.did import KeyView, did_document, issuer_did, slug_of, xsd_datetime
from certbridge.credentials.document import Signer, build_credential
from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.fields import IssuerRef, issuer_of, printed_fields
from certbridge.credentials.keystore import KeyStore
from certbridge.credentials.models import (
    CredentialIssuer,
    IssuedCredential,
    IssuerKey,
    PublishedTrustList,
    StatusEntry,
    StatusList,
)
from certbridge.credentials.pdf import PrintedStatus, certificate_pdf
from certbridge.credentials.proofs import ProofOptions, add_proof
from certbridge.credentials.settings import (
    CredentialSettings,
    check_passphrase,
    get_credential_settings,
    key_dir,
    trust_roots,
)
from certbridge.credentials.trustlist import TrustedIssuer, TrustedKey, TrustError
from certbridge.credentials.verify import AgeLimit, Check, Verifier
from certbridge.errors import InputError, NotFound
from certbridge.identity import keyed_hash
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.models import (
    Certificate,
    CertificateEvent,
    Institution,
    IssuingAuthority,
    VerificationToken,
)
from certbridge.registry.service import (
    STATE_AFTER,
    Keys,
    apply_due_standings,
    display_number_today,
    record_event,
)

# Random indexes stay cheap to draw while a list is at most this full; then a new list opens.
LIST_FILL_LIMIT = statuslist.MIN_ENTRIES // 2


@dataclass
class Issuance:
    """What issuing and serving need besides a session."""

    base_url: str
    store: KeyStore
    keys: Keys
    ttl_ms: int
    max_bytes: int
    trust_roots: tuple[str, ...]  # the first one signs the trust lists
    trust_list_days: int
    age_limit: AgeLimit


def issuance_from(
    settings: Settings, keys: Keys, credential_settings: CredentialSettings | None = None
) -> Issuance:
    cs = credential_settings or get_credential_settings()
    store = KeyStore(key_dir(settings, cs), check_passphrase(settings, cs))
    return Issuance(
        settings.public_base_url.rstrip("/"),
        store,
        keys,
        cs.status_list_ttl_ms,
        cs.max_credential_bytes,
        trust_roots(settings, cs),
        cs.trust_list_valid_days,
        offline_age_limit(cs),
    )


def offline_age_limit(cs: CredentialSettings, days: int | None = None) -> AgeLimit:
    """The age limit of status lists offline, and where it comes from (the verdict says)."""
    if days is not None:
        return AgeLimit(days, "命令行 --max-age-days 指定")
    if "max_offline_age_days" in cs.model_fields_set:
        return AgeLimit(cs.max_offline_age_days, "CERTBRIDGE_MAX_OFFLINE_AGE_DAYS 设置")
    return AgeLimit(cs.max_offline_age_days, "默认值")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- issuers and keys -------------------------------------------------------------------


def known_issuer(session: Session, slug: str) -> IssuerRef:
    """An issuing authority ('mem-14') or an evaluation institution ('org-…')."""
    if slug.startswith("org-"):
        for institution in session.scalars(select(Institution)):
            code = "org-" + "".join(ch for ch in institution.code.lower() if ch.isalnum())
            if code[:64] == slug:
                return IssuerRef(slug, institution.name)
    elif "-" in slug:
        department, province = slug.split("-", 1)
        authority = session.scalar(
            select(IssuingAuthority).where(
                IssuingAuthority.department == department,
                IssuingAuthority.province_code == province,
            )
        )
        if authority is not None:
            return IssuerRef(slug, authority.name)
    raise InputError("issuer.unknown", f"未知的发证方：{slug[:64]}", field="issuer")


def issuer_keys(session: Session, slug: str) -> list[IssuerKey]:
    return list(
        session.scalars(
            select(IssuerKey).where(IssuerKey.issuer_slug == slug).order_by(IssuerKey.id)
        )
    )


def _key_in_use(session: Session, slug: str) -> IssuerKey | None:
    return session.scalar(
        select(IssuerKey)
        .where(
            IssuerKey.issuer_slug == slug,
            IssuerKey.retired_at.is_(None),
            IssuerKey.compromised_from.is_(None),
        )
        .execution_options(populate_existing=True)
    )


def lock_issuer(session: Session, slug: str) -> None:
    """Serialise the writers of an issuer's keys and status entries until the caller's
    commit: PostgreSQL locks the issuer's row, SQLite takes its (single) write lock. A
    writer that waited here then sees what the one before it made."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CredentialIssuer).values(issuer_slug=slug, key_changes=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CredentialIssuer.issuer_slug],
            set_={"key_changes": CredentialIssuer.key_changes + 1},
        )
    )


def signing_key(session: Session, issuance: Issuance, slug: str) -> IssuerKey:
    """The key in use, created on first need: exactly one, however many first
    issuances run at once (the lock, and a unique index on the key in use)."""
    key = _key_in_use(session, slug)
    if key is not None:
        return key
    lock_issuer(session, slug)
    return _key_in_use(session, slug) or _new_key(session, issuance, slug)


def _new_key(session: Session, issuance: Issuance, slug: str) -> IssuerKey:
    public, _private = issuance.store.generate(slug)
    key = IssuerKey(issuer_slug=slug, public_key_multibase=public, created_at=now_utc())
    session.add(key)
    session.flush()
    return key


def rotate_key(session: Session, issuance: Issuance, slug: str) -> IssuerKey:
    """Retire the key in use (it stays in the DID document) and start a new one."""
    known_issuer(session, slug)
    lock_issuer(session, slug)
    now = now_utc()
    for key in issuer_keys(session, slug):
        if key.retired_at is None:
            key.retired_at = now
    session.flush()
    return _new_key(session, issuance, slug)


def mark_compromised(session: Session, slug: str, public_key: str, since: datetime) -> IssuerKey:
    """Signatures made by this key at or after `since` stop verifying."""
    lock_issuer(session, slug)
    key = next(
        (k for k in issuer_keys(session, slug) if k.public_key_multibase == public_key), None
    )
    if key is None:
        raise InputError("key.unknown", "该发证方没有这个公钥", field="key")
    key.compromised_from = as_utc(since)
    key.retired_at = key.retired_at or now_utc()
    session.flush()
    return key


def did_document_of(session: Session, base_url: str, slug: str) -> dict[str, Any]:
    keys = issuer_keys(session, slug)
    if not keys:
        raise NotFound
    views = [
        KeyView(k.public_key_multibase, as_utc(k.compromised_from) if k.compromised_from else None)
        for k in keys
    ]
    return did_document(issuer_did(base_url, slug), views)


# --- trust list of issuers ------------------------------------------------------------------

ROOT_SLUG = "root"  # the key store's folder of registry root keys
TRUST_LIST_REFRESH = timedelta(days=1)  # a served copy is at most this old


def trusted_key_of(did: str, key: IssuerKey) -> TrustedKey:
    return TrustedKey(
        method_id=f"{did}#{key.public_key_multibase}",
        public_key_multibase=key.public_key_multibase,
        valid_from=as_utc(key.created_at),
        valid_until=as_utc(key.retired_at) if key.retired_at else None,
        compromised_from=as_utc(key.compromised_from) if key.compromised_from else None,
    )


def trusted_issuers(session: Session, base_url: str) -> list[TrustedIssuer]:
    """Every issuer with keys, each key with its window (rotation) and compromise date."""
    keys = session.scalars(select(IssuerKey).order_by(IssuerKey.issuer_slug, IssuerKey.id))
    names = _issuer_names(session)
    issuers = []
    for slug, group in itertools.groupby(keys, key=lambda k: k.issuer_slug):
        did = issuer_did(base_url, slug)
        listed = tuple(trusted_key_of(did, key) for key in group)
        issuers.append(TrustedIssuer(did, names.get(slug, slug), listed))
    return issuers


def _issuer_names(session: Session) -> dict[str, str]:
    names = {
        f"{a.department}-{a.province_code}": a.name
        for a in session.scalars(select(IssuingAuthority))
    }
    for institution in session.scalars(select(Institution)):
        slug = "org-" + "".join(ch for ch in institution.code.lower() if ch.isalnum())
        names[slug[:64]] = institution.name
    return names


def trust_list_url(base_url: str) -> str:
    return base_url + trustlist.TRUST_LIST_PATH


def root_private_key(issuance: Issuance) -> Ed25519PrivateKey:
    """The root key that signs trust lists: the first configured root, from the key store.
    The development root is written there from its public seed on first need."""
    public = issuance.trust_roots[0]
    if not issuance.store.holds(ROOT_SLUG, public):
        if public != trustlist.dev_root_public():
            raise InputError(
                "trust.root_missing",
                f"密钥库中没有信任根私钥 {public[:16]}…：请用 certbridge keys root-create 创建，"
                "并把它的公钥设为 CERTBRIDGE_TRUST_ROOT_KEY 的第一个",
            )
        with contextlib.suppress(FileExistsError):  # another process wrote it first
            issuance.store.save(ROOT_SLUG, trustlist.dev_root_key())
    return issuance.store.load(ROOT_SLUG, public)


def create_root_key(issuance: Issuance) -> str:
    """A new registry root key in the key store; its publicKeyMultibase."""
    public, _key = issuance.store.generate(ROOT_SLUG)
    return public


_trust_documents: dict[tuple[int, str, str], dict[str, Any]] = {}


def current_trust_list(
    session: Session, issuance: Issuance, now: datetime | None = None
) -> dict[str, Any]:
    """The latest signed trust list; a new one (sequence + 1) when the keys or the root
    changed or the latest is a day old. The caller commits (the API retries a collision
    with a concurrent publisher)."""
    now = now or now_utc()
    issuers = trusted_issuers(session, issuance.base_url)
    digest = trustlist.content_digest(issuers)
    root = issuance.trust_roots[0]
    latest = session.scalar(
        select(PublishedTrustList).order_by(PublishedTrustList.sequence.desc()).limit(1)
    )
    if (
        latest is not None
        and latest.content_digest == digest
        and latest.root_key == root
        and now - as_utc(latest.issued_at) < TRUST_LIST_REFRESH
    ):
        marker = (latest.sequence, digest, latest.document[-100:])  # ends in the signature
        document = _trust_documents.get(marker)
        if document is None:
            document = json.loads(latest.document)
            _trust_documents.clear()
            _trust_documents[marker] = document
        return document
    sequence = (latest.sequence if latest is not None else 0) + 1
    valid_until = now + timedelta(days=issuance.trust_list_days)
    unsigned = trustlist.build(
        url=trust_list_url(issuance.base_url),
        sequence=sequence,
        issued=now,
        valid_until=valid_until,
        issuers=issuers,
    )
    signed = trustlist.sign(unsigned, root_private_key(issuance))
    session.add(
        PublishedTrustList(
            sequence=sequence,
            issued_at=now,
            valid_until=valid_until,
            content_digest=digest,
            root_key=root,
            document=json.dumps(signed, ensure_ascii=False),
        )
    )
    session.flush()
    return signed


class DatabaseTrust:
    """Online, the registry's own key records are the anchor (the trust list is signed
    from them): the same windows and compromise dates, without a signature to check."""

    def __init__(self, session: Session, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    def trusted_key(self, did: str, method_id: str) -> TrustedKey:
        slug = slug_of(self.base_url, did)
        if slug is not None:
            for key in issuer_keys(self.session, slug):
                if method_id == f"{did}#{key.public_key_multibase}":
                    return trusted_key_of(did, key)
        raise TrustError("登记库中没有这个发证方密钥")

    def describe(self) -> str:
        return "登记库的发证方密钥记录"


# --- status lists -------------------------------------------------------------------------


def _lists(
    session: Session, slug: str, sequence: int, *, lock: bool = False
) -> dict[str, StatusList]:
    query = select(StatusList).where(
        StatusList.issuer_slug == slug, StatusList.sequence == sequence
    )
    if lock:  # a read for a rewrite: concurrent writers of the list wait for this one
        query = query.with_for_update().execution_options(populate_existing=True)
    return {row.purpose: row for row in session.scalars(query)}


def _open_list_sequence(session: Session, slug: str) -> int:
    current = session.scalar(
        select(func.max(StatusList.sequence)).where(StatusList.issuer_slug == slug)
    )
    if current is not None:
        used = session.scalar(
            select(func.count())
            .select_from(StatusEntry)
            .where(StatusEntry.issuer_slug == slug, StatusEntry.sequence == current)
        )
        if (used or 0) < LIST_FILL_LIMIT:
            return int(current)
    sequence = (current or 0) + 1
    for purpose in statuslist.PURPOSES:
        session.add(
            StatusList(
                issuer_slug=slug,
                purpose=purpose,
                sequence=sequence,
                bits=bytes(statuslist.empty_list()),
                updated_at=now_utc(),
            )
        )
    session.flush()
    return sequence


def status_entry(session: Session, certificate: Certificate, slug: str) -> StatusEntry:
    """The certificate's entry, allocated at a random free index on first issue."""
    found = session.scalar(select(StatusEntry).where(StatusEntry.certificate_id == certificate.id))
    if found is not None:
        return found
    lock_issuer(session, slug)  # concurrent first issuances: one entry, one set of lists
    found = session.scalar(
        select(StatusEntry)
        .where(StatusEntry.certificate_id == certificate.id)
        .execution_options(populate_existing=True)
    )
    if found is not None:
        return found
    sequence = _open_list_sequence(session, slug)
    for _attempt in range(64):
        index = secrets.randbelow(statuslist.MIN_ENTRIES)
        taken = session.scalar(
            select(StatusEntry.id).where(
                StatusEntry.issuer_slug == slug,
                StatusEntry.sequence == sequence,
                StatusEntry.status_index == index,
            )
        )
        if taken is None:
            entry = StatusEntry(
                certificate_id=certificate.id,
                issuer_slug=slug,
                sequence=sequence,
                status_index=index,
            )
            session.add(entry)
            session.flush()
            return entry
    raise InputError("status.full", "状态列表索引分配失败，请重试")


def list_url(base_url: str, slug: str, purpose: str, sequence: int) -> str:
    return f"{base_url}/credentials/status/{slug}/{purpose}/{sequence}"


def on_status_change(
    session: Session, certificate: Certificate, event: CertificateEvent | None = None
) -> None:
    """Bring the certificate's status bits in line with its standing today (idempotent).

    Meant to run in the same transaction as `registry.service.record_event`."""
    sync_status_bits(session, certificate.id, certificate.state)


def sync_status_bits(
    session: Session, certificate_id: int, state: str = "", today: date | None = None
) -> None:
    """The registry's state-change hook (registered at start-up): set the bits to the
    certificate's standing on `today` (the server's date if not given), not to its
    latest state, so that a suspension or revocation dated later is not published before
    its day; `sync_due_status_bits` publishes it then."""
    entries = session.scalars(
        select(StatusEntry).where(StatusEntry.certificate_id == certificate_id)
    ).all()
    _publish(session, list(entries), today or clock.today())


SYNC_LOOK_BACK_DAYS = 7


def sync_due_status_bits(session: Session, today: date, since: date | None = None) -> int:
    """Publish the suspensions, reinstatements and revocations whose day has come: every
    credential whose certificate has one dated from `since` (default: a week back, so a
    missed run or two costs nothing) to `today` gets the bits of its standing today.

    Run daily (`certbridge credential sync-status`). A job, not part of a caller's unit of
    work: it commits after each status list, so a list is locked only briefly.
    Idempotent; returns how many certificates' bits changed."""
    since = since or today - timedelta(days=SYNC_LOOK_BACK_DAYS)
    apply_due_standings(session, today, since)  # the registry's state column first
    session.commit()
    entries = session.scalars(
        select(StatusEntry)
        .where(
            exists().where(
                CertificateEvent.certificate_id == StatusEntry.certificate_id,
                CertificateEvent.kind.in_(STATE_AFTER),
                CertificateEvent.effective_on >= since,
                CertificateEvent.effective_on <= today,
            )
        )
        .order_by(StatusEntry.issuer_slug, StatusEntry.sequence)
    ).all()
    changed = 0
    for _list, group in itertools.groupby(entries, key=lambda e: (e.issuer_slug, e.sequence)):
        changed += _publish(session, list(group), today)
        session.commit()
    return changed


def _publish(session: Session, entries: list[StatusEntry], today: date) -> int:
    """Set the bits of these entries (of one status list) to their certificates'
    standing on `today`, rewriting the list once, under a row lock so that concurrent
    writers to the same list wait rather than overwrite. How many entries changed."""
    if not entries:
        return 0
    wanted = {
        entry.status_index: _standing_on(session, entry.certificate_id, today) for entry in entries
    }
    changed: set[int] = set()
    for purpose, row in _lists(
        session, entries[0].issuer_slug, entries[0].sequence, lock=True
    ).items():
        bits = bytearray(row.bits)
        for index, code in wanted.items():
            # A cancelled certificate (注销) no longer counts, like a revoked one.
            on = code in (("revoked", "cancelled") if purpose == "revocation" else ("suspended",))
            if statuslist.bit(bits, index) != on:
                statuslist.set_bit(bits, index, on)
                changed.add(index)
        if bits != row.bits:
            row.bits = bytes(bits)
            row.updated_at = now_utc()
    session.flush()
    return len(changed)


def _standing_on(session: Session, certificate_id: int, today: date) -> str:
    """The certificate's status code on `today`, from its history as stored now (events
    just inserted by an import included)."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        return "unknown"
    events = session.scalars(
        select(CertificateEvent).where(CertificateEvent.certificate_id == certificate_id)
    ).all()
    return str(_registry_status(certificate, today, events).code)


def change_status(
    session: Session,
    certificate: Certificate,
    *,
    kind: str,
    reason: str,
    actor: str,
    effective_on: date,
    source: str,
) -> CertificateEvent:
    """Append to the registry's history and flip the status bit, in one unit of work."""
    if not reason.strip():
        raise InputError("status.reason", "请填写变更原因", field="reason")
    event = record_event(
        session,
        certificate,
        kind=kind,
        effective_on=effective_on,
        actor=actor,
        reason=reason,
        source=source,
    )
    on_status_change(session, certificate, event)
    return event


_signed_lists: dict[tuple[str, int, str], dict[str, Any]] = {}
# A signed list is reused for at most this long (and a fifth of its ttl): its validFrom
# says when its bits were current, which is what an offline verifier judges its age by.
SIGNED_LIST_REUSE = timedelta(seconds=60)


def status_list_credential(
    session: Session, issuance: Issuance, slug: str, purpose: str, sequence: int
) -> dict[str, Any]:
    """The signed list as of now: `validFrom` is the moment of signing (the bits were
    current then), so a verifier can tell how old its copy is."""
    if purpose not in statuslist.PURPOSES:
        raise NotFound
    row = _lists(session, slug, sequence).get(purpose)
    if row is None:
        raise NotFound
    key = signing_key(session, issuance, slug)
    now = now_utc()
    # The bits themselves key the cache: two changes within one second must not collide.
    cache_key = (
        f"{issuance.base_url}|{slug}|{purpose}|{key.public_key_multibase}",
        sequence,
        hashlib.sha256(row.bits).hexdigest(),
    )
    cached = _signed_lists.get(cache_key)
    reuse = min(SIGNED_LIST_REUSE, timedelta(milliseconds=issuance.ttl_ms) / 5)
    if cached is not None and now - datetime.fromisoformat(cached["validFrom"]) <= reuse:
        return cached
    url = list_url(issuance.base_url, slug, purpose, sequence)
    did = issuer_did(issuance.base_url, slug)
    signed_at = xsd_datetime(max(now, as_utc(key.created_at)))
    unsigned = statuslist.list_credential(
        list_url=url,
        issuer=did,
        purpose=purpose,
        bits=row.bits,
        valid_from=signed_at,
        ttl_ms=issuance.ttl_ms,
    )
    signed = _sign(issuance, slug, key, unsigned, signed_at)
    if len(_signed_lists) > 1000:
        _signed_lists.clear()
    _signed_lists[cache_key] = signed
    return signed


def _sign(
    issuance: Issuance, slug: str, key: IssuerKey, document: dict[str, Any], created: str
) -> dict[str, Any]:
    did = issuer_did(issuance.base_url, slug)
    private = issuance.store.load(slug, key.public_key_multibase)
    options = ProofOptions(f"{did}#{key.public_key_multibase}", created)
    return add_proof(document, private, options)


# --- issuance -----------------------------------------------------------------------------


def holder_hash(certificate: Certificate, keys: Keys) -> str:
    """A keyed hash of the holder's ID number (via its lookup hash), for this use only."""
    return keyed_hash(certificate.person.id_hash, keys.hash_key, purpose="credential-holder")


def issue_credential(
    session: Session, issuance: Issuance, certificate: Certificate
) -> dict[str, Any]:
    standing = _registry_status(certificate, clock.today())
    if standing.code in ("revoked", "cancelled"):  # 注销 ends a certificate as 撤销 does
        raise InputError(
            "credential.revoked", f"该证书{standing.label}，不能签发数字证书", field="number"
        )
    # A revocation dated later does not stop issuing: the status list shows it on its day.
    issuer = issuer_of(certificate)
    key = signing_key(session, issuance, issuer.slug)
    entry = status_entry(session, certificate, issuer.slug)
    on_status_change(session, certificate)
    status = [
        statuslist.entry(
            list_url(issuance.base_url, issuer.slug, purpose, entry.sequence),
            purpose,
            entry.status_index,
        )
        for purpose in statuslist.PURPOSES
    ]
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    unsigned = build_credential(
        printed_fields(certificate),
        credential_id=credential_id,
        signer=Signer(issuer_did(issuance.base_url, issuer.slug), issuer.name),
        base_url=issuance.base_url,
        holder_hash=holder_hash(certificate, issuance.keys),
        status=status,
    )
    signed = _sign(issuance, issuer.slug, key, unsigned, xsd_datetime(now_utc()))
    session.add(
        IssuedCredential(
            credential_id=credential_id,
            certificate_id=certificate.id,
            public_key_multibase=key.public_key_multibase,
            issued_at=now_utc(),
        )
    )
    session.flush()
    return signed


def verification_token(session: Session, certificate: Certificate) -> VerificationToken:
    """The certificate's QR token: the latest one not withdrawn, or a new one."""
    found = session.scalar(
        select(VerificationToken)
        .where(
            VerificationToken.certificate_id == certificate.id,
            VerificationToken.withdrawn_at.is_(None),
        )
        .order_by(VerificationToken.created_at.desc())
        .limit(1)
    )
    if found is not None:
        return found
    token = VerificationToken(token=secrets.token_urlsafe(24), certificate_id=certificate.id)
    session.add(token)
    session.flush()
    return token


def printable_pdf(certificate: Certificate, verify_url: str, now: datetime | None = None) -> bytes:
    """The printable certificate, stamped with its status when it does not count today."""
    now = now or now_utc()
    status = _registry_status(certificate, clock.today(now))
    return certificate_pdf(
        printed_fields(certificate), verify_url, PrintedStatus(status.label, status.counts, now)
    )


def certificate_of_token(session: Session, token: str) -> Certificate:
    found = session.scalar(
        select(VerificationToken).where(
            VerificationToken.token == token[:64], VerificationToken.withdrawn_at.is_(None)
        )
    )
    if found is None:
        raise NotFound
    certificate = session.get(Certificate, found.certificate_id)
    if certificate is None:
        raise NotFound
    return certificate


# --- online verification --------------------------------------------------------------------


class DatabaseResolver:
    """Resolves our own issuers and status lists from the registry database; anything
    else is unknown (no network)."""

    def __init__(self, session: Session, issuance: Issuance) -> None:
        self.session = session
        self.issuance = issuance

    def did_document(self, did: str) -> dict[str, Any] | None:
        slug = slug_of(self.issuance.base_url, did)
        if slug is None:
            return None
        try:
            return did_document_of(self.session, self.issuance.base_url, slug)
        except NotFound:
            return None

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        prefix = f"{self.issuance.base_url}/credentials/status/"
        if not url.startswith(prefix):
            return None
        parts = url[len(prefix) :].split("/")
        if len(parts) != 3 or not parts[2].isdecimal():
            return None
        try:
            return status_list_credential(
                self.session, self.issuance, parts[0], parts[1], int(parts[2])
            )
        except (NotFound, InputError):
            return None


def registry_check(session: Session, today: date) -> Any:
    def check(credential: dict[str, Any]) -> Check:
        record = session.scalar(
            select(IssuedCredential).where(IssuedCredential.credential_id == credential.get("id"))
        )
        if record is None:
            return Check("registry", False, "登记库中没有此数字证书的签发记录")
        certificate = session.get(Certificate, record.certificate_id)
        if certificate is None:
            return Check("registry", False, "登记库中找不到对应的证书")
        subject = credential["credentialSubject"]
        shown = str(subject.get("certificateNumber"))
        if display_number_today(shown) != certificate.number_display:
            return Check("registry", False, "证书编号与登记库不一致")
        status = _registry_status(certificate, today)
        if not status.counts:
            return Check("registry", False, f"登记库显示证书当前{status.label}：{status.reason}")
        return Check("registry", True, f"登记库状态：{status.label}")

    return check


def _registry_status(
    certificate: Certificate, today: date, events: Sequence[CertificateEvent] | None = None
) -> Any:
    from certbridge.catalog import load_catalog

    scheme = load_catalog().scheme(certificate.scheme)
    history = certificate.events if events is None else events
    return status_on(
        scheme.validity,
        issued=certificate.issued_on,
        valid_until=certificate.valid_until,
        events=[Event(e.kind, e.effective_on, e.reason, e.word) for e in history],
        as_of=today,
        words=scheme.status_words,
    )


def online_verifier(session: Session, issuance: Issuance, today: date) -> Verifier:
    trust = DatabaseTrust(session, issuance.base_url)
    return Verifier(
        DatabaseResolver(session, issuance),
        credential_contexts(issuance.base_url),
        lambda _now: trust,
        max_bytes=issuance.max_bytes,
        registry_check=registry_check(session, today),
    )


_issuances: dict[tuple[str, str, str, bytes, str], Issuance] = {}


def cached_issuance(settings: Settings, keys: Keys) -> Issuance:
    """One Issuance (and so one decrypted-key cache) per configuration, per process."""
    cs = get_credential_settings()
    marker = (
        str(key_dir(settings, cs)),
        settings.public_base_url,
        settings.environment,
        keys.hash_key,
        cs.trust_root_key,
    )
    found = _issuances.get(marker)
    if found is None:
        found = issuance_from(settings, keys, cs)
        _issuances[marker] = found
    return found
