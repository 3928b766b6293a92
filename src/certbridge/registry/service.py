"""Registry services: each takes a Session and never commits (the caller owns the unit of work)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from certbridge import clock
from certbridge.catalog import (
    STANDING_WORDS,
    CertificateType,
    Scheme,
    default_valid_until,
    load_catalog,
    validate_number,
)
from certbridge.catalog.numbers import normalize_number
from certbridge.catalog.plausibility import (
    effective_date_problem,
    issue_date_problems,
    level_problem,
)
from certbridge.errors import InputError, NotFound
from certbridge.identity import (
    IdNumber,
    id_number_hash,
    keyed_hash,
    mask_embedded_id_number,
    mask_id_number,
    parse_id_number,
)
from certbridge.registry.hooks import notify_state_changed
from certbridge.registry.lifecycle import (
    STANDING_AFTER,
    Event,
    standing_label,
    standing_on,
)
from certbridge.registry.models import (
    Certificate,
    CertificateEvent,
    Institution,
    IssuingAuthority,
    Person,
)
from certbridge.registry.sealing import seal, unseal
from certbridge.registry.settlement import settle_certificates, settle_written

DEPARTMENT_AUTHORITY_SUFFIX = {
    "mohrss": "人力资源和社会保障厅",
    "mem": "应急管理厅",
    "mohurd": "住房和城乡建设厅",
    "samr": "市场监督管理局",
}

# Which status changes are allowed from which standing (after every recorded event).
# 注销 closes a record in any standing, 撤销/吊销 included (注销 after 撤销).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suspended": ("active",),
    "reinstated": ("suspended",),
    "revoked": ("active", "suspended"),
    "cancelled": ("active", "suspended", "revoked"),
    "reviewed": ("active",),
    "corrected": ("active", "suspended", "revoked", "cancelled"),
}
STATE_AFTER = STANDING_AFTER
# How far ahead a change of standing may be scheduled unless the caller says otherwise
# (the API and CLI pass CERTBRIDGE_SCHEDULED_CHANGE_DAYS). A review is never scheduled.
SCHEDULE_DAYS = 30
# What each change is called in messages, besides the scheme's standing words.
CHANGE_NAMES = {"reinstated": "恢复", "corrected": "更正"}


@dataclass(frozen=True)
class Keys:
    """Secrets for lookup hashes and sealed ID numbers (from Settings)."""

    hash_key: bytes
    seal_key: bytes


def person_lookup_key(id_number: IdNumber, keys: Keys) -> str:
    return id_number_hash(id_number.value, keys.hash_key)


# Letters, digits, CJK (province abbreviations in 住建 numbers) and hyphens only.
_NUMBER_SHAPE = re.compile(r"^[0-9A-Za-z\u3400-\u9fff\-]{6,40}$")


def check_number_shape(number: str) -> None:
    if not _NUMBER_SHAPE.fullmatch(number.strip()):
        raise InputError(
            "number.shape",
            "证书编号应为6至40位字母、数字或汉字",
            field="number",
        )


def certificate_lookup_key(number: str, keys: Keys) -> str:
    return keyed_hash(normalize_number(number), keys.hash_key, purpose="certificate-number")


def display_number(scheme_code: str, number: str) -> str:
    """Numbers that embed an ID number (特种作业 "T" + ID, 特种设备 the ID itself) are shown
    with the ID masked as the holder's own number is."""
    normalized = normalize_number(number)
    if load_catalog().scheme(scheme_code).number_embeds_id_number:
        return mask_embedded_id_number(normalized)
    return normalized


def display_number_today(shown: str) -> str:
    """A number as an earlier release displayed (and signed into credentials) it, in
    today's mask: 特种设备 numbers then kept five leading digits (34082*********1094)."""
    if len(shown) == 18 and shown[5:14] == "*" * 9 and shown[4] != "*":
        return shown[:4] + "*" * 10 + shown[14:]
    return shown


def authority_name(department: str, province_name: str) -> str:
    return f"{province_name}{DEPARTMENT_AUTHORITY_SUFFIX[department]}"


def ensure_authority(
    session: Session, department: str, province_code: str, province_name: str
) -> IssuingAuthority:
    found = session.scalar(
        select(IssuingAuthority).where(
            IssuingAuthority.department == department,
            IssuingAuthority.province_code == province_code,
        )
    )
    if found is not None:
        return found
    authority = IssuingAuthority(
        department=department,
        province_code=province_code,
        name=authority_name(department, province_name),
    )
    session.add(authority)
    session.flush()
    return authority


def find_person(session: Session, id_number: IdNumber, keys: Keys) -> Person | None:
    return session.scalar(
        select(Person).where(Person.id_hash == person_lookup_key(id_number, keys))
    )


def ensure_person(session: Session, id_number: IdNumber, name: str, keys: Keys) -> Person:
    """The person registered under this ID number; a different name is a conflict."""
    person = find_person(session, id_number, keys)
    if person is not None:
        if person.name != name:
            raise InputError(
                "person.name_conflict",
                "该证件号码已登记的姓名与本次提交的姓名不一致，未作修改",
                field="name",
            )
        return person
    person = Person(
        id_hash=person_lookup_key(id_number, keys),
        id_masked=mask_id_number(id_number.value),
        id_kind=id_number.kind,
        id_sealed=seal(id_number.value, keys.seal_key),
        name=name,
    )
    session.add(person)
    session.flush()
    return person


def find_certificates(session: Session, number: str, keys: Keys) -> list[Certificate]:
    """Usually one; a 特种作业 card number has one record per 操作项目."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.number_key == certificate_lookup_key(number, keys))
            .order_by(Certificate.id)
        )
    )


@dataclass(frozen=True)
class NewCertificate:
    number: str
    type: CertificateType
    level: int | None
    issued_on: date
    valid_until: date | None = None


def add_certificate(
    session: Session,
    *,
    person: Person,
    new: NewCertificate,
    issuer: IssuingAuthority,
    institution: Institution | None,
    keys: Keys,
    actor: str,
    source: str = "",
) -> Certificate:
    """Register a certificate and its 'issued' event after checking number, type and level."""
    catalog = load_catalog()
    scheme = catalog.scheme(new.type.scheme)
    info = validate_number(scheme.code, new.number)
    _check_level(new, info.level)
    _check_issue_date(scheme, new.issued_on, _holder_birth_date(person, keys))
    if any(c.type_code == new.type.code for c in find_certificates(session, new.number, keys)):
        raise InputError("certificate.duplicate", "该证书编号已登记", field="number")
    certificate = Certificate(
        number_key=certificate_lookup_key(new.number, keys),
        number_display=display_number(scheme.code, new.number),
        scheme=scheme.code,
        type_code=new.type.code,
        occupation_code=new.type.occupation,
        level=new.level,
        person=person,
        issuer=issuer,
        institution=institution,
        issued_on=new.issued_on,
        valid_until=new.valid_until or default_valid_until(scheme.validity, new.issued_on),
        state="active",
    )
    session.add(certificate)
    session.add(
        CertificateEvent(
            certificate=certificate,
            kind="issued",
            effective_on=new.issued_on,
            actor=actor,
            reason="",
            source=source,
        )
    )
    session.flush()
    # Its whole log is the one event just written: settle from it, without reading back.
    issued = Event("issued", certificate.issued_on)
    settle_written(
        session.connection(),
        [(certificate.id, scheme.code, certificate.issued_on, certificate.valid_until, [issued])],
    )
    return certificate


def _holder_birth_date(person: Person, keys: Keys) -> date | None:
    """The birth date the holder's ID number carries (read from its sealed copy, in
    memory only), or None for a document that carries none."""
    try:
        return parse_id_number(unseal(person.id_sealed, keys.seal_key)).birth_date
    except InputError:
        return None


def _check_issue_date(scheme: Scheme, issued: date, birth: date | None) -> None:
    problems = issue_date_problems(scheme, issued, today=clock.today(), birth=birth)
    if problems:
        code, message = problems[0]
        raise InputError(code, message, field="issued_on")


def _check_level(new: NewCertificate, level_in_number: int | None) -> None:
    problem = level_problem(new.level, load_catalog().levels)
    if problem is not None:
        raise InputError(*problem, field="level")
    if new.type.requires_level and new.level is None:
        raise InputError("certificate.level_missing", "该证书类型须填写职业技能等级", field="level")
    if not new.type.requires_level and new.level is not None:
        raise InputError(
            "certificate.level_unexpected", "该证书类型不设职业技能等级", field="level"
        )
    if level_in_number is not None and new.level is not None and level_in_number != new.level:
        raise InputError(
            "certificate.level_mismatch",
            f"证书编号中的等级位为{level_in_number}，与填写的等级{new.level}不一致",
            field="level",
        )


def record_event(
    session: Session,
    certificate: Certificate,
    *,
    kind: str,
    effective_on: date,
    actor: str,
    reason: str,
    source: str = "",
    word: str = "",
    today: date | None = None,
    schedule_days: int = SCHEDULE_DAYS,
) -> CertificateEvent:
    """Append a status event; refuses a change the standing does not allow, a date before
    the issue date or in the future (a change of standing may be scheduled up to
    `schedule_days` ahead; a review never), and a word that does not name this change.

    `word` is the department's word for a change of standing (暂扣, 吊销 …); the scheme's
    own word is recorded when none is given. The `state` column follows the standing in
    force today (China's date unless `today` is given): a scheduled change takes effect
    on its day (`apply_due_standings`, run by the daily status job)."""
    today = today or clock.today()
    scheme = load_catalog().scheme(certificate.scheme)
    if kind not in TRANSITIONS:
        raise InputError("status.kind", f"未知的状态变更：{kind}", field="action")
    word = _standing_word(scheme, kind, word)
    ahead = schedule_days if kind in STATE_AFTER else 0
    problem = effective_date_problem(
        certificate.issued_on, effective_on, today=today, ahead_days=ahead
    )
    if problem is not None:
        raise InputError(*problem, field="effective_on")
    log = [Event(e.kind, e.effective_on, e.reason, e.word) for e in certificate.events]
    if kind in STATE_AFTER:
        # Changes of standing take effect in the order they are recorded: one dated before
        # a pending change would be overtaken by it on its day (a reinstatement before a
        # suspension dated later would leave the certificate suspended for good).
        latest = max((e.effective_on for e in log if e.kind in STATE_AFTER), default=None)
        if latest is not None and effective_on < latest:
            raise InputError(
                "status.order",
                f"生效日期不能早于上一次状态变更的生效日期（{latest}）",
                field="effective_on",
            )
    _check_transition(scheme, log, kind, effective_on, word, today)
    event = CertificateEvent(
        certificate=certificate,
        kind=kind,
        effective_on=effective_on,
        actor=actor,
        reason=reason,
        source=source,
        word=word,
    )
    session.add(event)
    previous_state = certificate.state
    certificate.state = standing_on([*log, Event(kind, effective_on)], today)
    session.flush()
    settle_certificates(session.connection(), [certificate.id])
    if certificate.state != previous_state:
        notify_state_changed(session, certificate.id, certificate.state)
    return event


def _check_transition(
    scheme: Scheme, log: list[Event], kind: str, on: date, word: str, today: date
) -> None:
    """The change must be allowed by the standing on its date (for a change of standing,
    which may not precede an earlier one, that is the standing after every event)."""
    standing = standing_on(log, on)
    if standing in TRANSITIONS[kind]:
        return
    when = "当前有效"
    setting = [e for e in log if e.kind == standing and e.effective_on <= on]
    if setting:
        event = max(setting, key=lambda e: e.effective_on)
        label = standing_label(standing, scheme.status_words, event.word)
        scheduled = event.effective_on > today
        when = f"将于{event.effective_on}起{label}" if scheduled else f"当前已{label}"
    raise InputError(
        "status.transition",
        f"证书{when}，不能{_change_name(scheme, kind, word)}",
        field="action",
    )


def apply_due_standings(session: Session, today: date, since: date) -> int:
    """Bring the `state` column in line with the changes of standing dated from `since` to
    `today` (scheduled ones whose day has come); how many certificates changed. Run by the
    daily status job (`credential sync-status`), which then publishes the status bits."""
    due = (
        select(CertificateEvent.certificate_id)
        .where(
            CertificateEvent.kind.in_(STATE_AFTER),
            CertificateEvent.effective_on >= since,
            CertificateEvent.effective_on <= today,
        )
        .distinct()
    )
    changed = 0
    found = select(Certificate).where(Certificate.id.in_(due))
    for certificate in session.scalars(found.options(selectinload(Certificate.events))):
        log = [Event(e.kind, e.effective_on) for e in certificate.events]
        state = standing_on(log, today)
        if certificate.state != state:
            certificate.state = state
            changed += 1
    session.flush()
    return changed


def _standing_word(scheme: Scheme, kind: str, word: str) -> str:
    """The word to record with a change: the given one if it names this change, the
    scheme's own if none was given; other changes record none."""
    allowed = STANDING_WORDS.get(kind, ())
    word = word.strip()
    if word and word not in allowed:
        named = "、".join(allowed) or "（无）"
        raise InputError(
            "status.word", f"“{word}”不是这一状态变更的用语，可填写：{named}", field="word"
        )
    return word or (scheme.status_words.word(kind) if allowed else "")


def _change_name(scheme: Scheme, kind: str, word: str) -> str:
    if kind == "reviewed":
        return scheme.validity.review_kind_zh or "复审"
    return word or CHANGE_NAMES.get(kind) or scheme.status_words.word(kind)


def certificate_for_change(
    session: Session, number: str, keys: Keys, type_text: str | None = None
) -> Certificate:
    """The one record a write means; several records under one number need the type named."""
    found = find_certificates(session, number, keys)
    if type_text:
        wanted = load_catalog().resolve_type(type_text).code
        found = [c for c in found if c.type_code == wanted]
    if not found:
        raise NotFound
    if len(found) > 1:
        raise InputError(
            "certificate.ambiguous",
            "该证书编号下有多个操作项目，请用 type 指明证书类型",
            field="type",
        )
    return found[0]
