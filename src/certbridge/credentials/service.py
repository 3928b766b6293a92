"""Credentials services: issuer keys, DID documents, status lists, issuance, status changes.

Every function takes a Session and never commits: the caller owns the unit of work."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.config import Settings
from certbridge.credentials import statuslist
from certbridge.credentials.did import KeyView, did_document, issuer_did, slug_of, xsd_datetime
from certbridge.credentials.document import Signer, build_credential
from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.fields import IssuerRef, issuer_of, printed_fields
from certbridge.credentials.keystore import KeyStore
from certbridge.credentials.models import IssuedCredential, IssuerKey, StatusEntry, StatusList
from certbridge.credentials.proofs import ProofOptions, add_proof
from certbridge.credentials.settings import (
    CredentialSettings,
    check_passphrase,
    get_credential_settings,
    key_dir,
)
from certbridge.credentials.verify import Check, Verifier
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
from certbridge.registry.service import STATE_AFTER, Keys, display_number_today, record_event

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
    )


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


def signing_key(session: Session, issuance: Issuance, slug: str) -> IssuerKey:
    """The key in use, created on first need."""
    for key in reversed(issuer_keys(session, slug)):
        if key.retired_at is None and key.compromised_from is None:
            return key
    return _new_key(session, issuance, slug)


def _new_key(session: Session, issuance: Issuance, slug: str) -> IssuerKey:
    public, _private = issuance.store.generate(slug)
    key = IssuerKey(issuer_slug=slug, public_key_multibase=public, created_at=now_utc())
    session.add(key)
    session.flush()
    return key


def rotate_key(session: Session, issuance: Issuance, slug: str) -> IssuerKey:
    """Retire the key in use (it stays in the DID document) and start a new one."""
    known_issuer(session, slug)
    now = now_utc()
    for key in issuer_keys(session, slug):
        if key.retired_at is None:
            key.retired_at = now
    session.flush()
    return _new_key(session, issuance, slug)


def mark_compromised(session: Session, slug: str, public_key: str, since: datetime) -> IssuerKey:
    """Signatures made by this key at or after `since` stop verifying."""
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
            on = code == ("revoked" if purpose == "revocation" else "suspended")
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


def status_list_credential(
    session: Session, issuance: Issuance, slug: str, purpose: str, sequence: int
) -> dict[str, Any]:
    if purpose not in statuslist.PURPOSES:
        raise NotFound
    row = _lists(session, slug, sequence).get(purpose)
    if row is None:
        raise NotFound
    updated = as_utc(row.updated_at)
    key = signing_key(session, issuance, slug)
    # The bits themselves key the cache: two changes within one second must not collide.
    cache_key = (
        f"{issuance.base_url}|{slug}|{purpose}|{key.public_key_multibase}",
        sequence,
        hashlib.sha256(row.bits).hexdigest(),
    )
    cached = _signed_lists.get(cache_key)
    if cached is not None:
        return cached
    url = list_url(issuance.base_url, slug, purpose, sequence)
    did = issuer_did(issuance.base_url, slug)
    unsigned = statuslist.list_credential(
        list_url=url,
        issuer=did,
        purpose=purpose,
        bits=row.bits,
        valid_from=xsd_datetime(updated),
        ttl_ms=issuance.ttl_ms,
    )
    signed = _sign(
        issuance, slug, key, unsigned, xsd_datetime(max(updated, as_utc(key.created_at)))
    )
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
    if _registry_status(certificate, clock.today()).code == "revoked":
        raise InputError("credential.revoked", "该证书已注销，不能签发数字证书", field="number")
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
        events=[Event(e.kind, e.effective_on, e.reason) for e in history],
        as_of=today,
        review_label=scheme.validity.review_kind_zh,
    )


def online_verifier(session: Session, issuance: Issuance, today: date) -> Verifier:
    return Verifier(
        DatabaseResolver(session, issuance),
        credential_contexts(issuance.base_url),
        max_bytes=issuance.max_bytes,
        registry_check=registry_check(session, today),
    )


_issuances: dict[tuple[str, str, str, bytes], Issuance] = {}


def cached_issuance(settings: Settings, keys: Keys) -> Issuance:
    """One Issuance (and so one decrypted-key cache) per configuration, per process."""
    cs = get_credential_settings()
    marker = (
        str(key_dir(settings, cs)),
        settings.public_base_url,
        settings.environment,
        keys.hash_key,
    )
    found = _issuances.get(marker)
    if found is None:
        found = issuance_from(settings, keys, cs)
        _issuances[marker] = found
    return found
