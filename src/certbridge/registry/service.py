"""Registry services: each takes a Session and never commits (the caller owns the unit of work)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.catalog import CertificateType, default_valid_until, load_catalog, validate_number
from certbridge.catalog.numbers import normalize_number
from certbridge.errors import InputError, NotFound
from certbridge.identity import (
    IdNumber,
    id_number_hash,
    keyed_hash,
    mask_embedded_id_number,
    mask_id_number,
)
from certbridge.registry.hooks import notify_state_changed
from certbridge.registry.lifecycle import Event
from certbridge.registry.models import (
    Certificate,
    CertificateEvent,
    Institution,
    IssuingAuthority,
    Person,
)
from certbridge.registry.sealing import seal
from certbridge.registry.settlement import settle_certificates, settle_written

DEPARTMENT_AUTHORITY_SUFFIX = {
    "mohrss": "人力资源和社会保障厅",
    "mem": "应急管理厅",
    "mohurd": "住房和城乡建设厅",
    "samr": "市场监督管理局",
}

# Which status changes are allowed from which current state.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suspended": ("active",),
    "reinstated": ("suspended",),
    "revoked": ("active", "suspended"),
    "reviewed": ("active",),
    "corrected": ("active", "suspended", "revoked"),
}
STATE_AFTER = {"suspended": "suspended", "reinstated": "active", "revoked": "revoked"}


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


def _check_level(new: NewCertificate, level_in_number: int | None) -> None:
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
) -> CertificateEvent:
    """Append a status event; refuses transitions the current state does not allow."""
    allowed = TRANSITIONS.get(kind)
    if allowed is None:
        raise InputError("status.kind", f"未知的状态变更：{kind}", field="action")
    if certificate.state not in allowed:
        raise InputError(
            "status.transition",
            f"证书当前状态为{certificate.state}，不能执行{kind}",
            field="action",
        )
    if effective_on < certificate.issued_on:
        raise InputError("status.date", "生效日期早于发证日期", field="effective_on")
    if kind in STATE_AFTER:
        # Changes of standing take effect in the order they are recorded: one dated before
        # a pending change would be overtaken by it on its day (a reinstatement before a
        # suspension dated later would leave the certificate suspended for good).
        latest = max(
            (e.effective_on for e in certificate.events if e.kind in STATE_AFTER), default=None
        )
        if latest is not None and effective_on < latest:
            raise InputError(
                "status.order",
                f"生效日期不能早于上一次状态变更的生效日期（{latest}）",
                field="effective_on",
            )
    event = CertificateEvent(
        certificate=certificate,
        kind=kind,
        effective_on=effective_on,
        actor=actor,
        reason=reason,
        source=source,
    )
    session.add(event)
    previous_state = certificate.state
    certificate.state = STATE_AFTER.get(kind, certificate.state)
    session.flush()
    settle_certificates(session.connection(), [certificate.id])
    if certificate.state != previous_state:
        notify_state_changed(session, certificate.id, certificate.state)
    return event


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
