"""The printed fields of a certificate (2022 rules), shared by the credential and the PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from certbridge import clock
from certbridge.catalog import load_catalog
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.models import Certificate

ID_KIND_LABELS = {
    "resident": "居民身份证",
    "hk_permit": "港澳台居民居住证（香港）",
    "mo_permit": "港澳台居民居住证（澳门）",
    "tw_permit": "港澳台居民居住证（台湾）",
}
NO_WORK_TYPE = "--"


@dataclass(frozen=True)
class IssuerRef:
    """Who signs: the evaluation institution for skill-level certificates, else the
    issuing authority (department × province)."""

    slug: str
    name: str


@dataclass(frozen=True)
class PrintedFields:
    holder_name: str
    id_type: str
    id_number_masked: str
    certificate_type: str
    certificate_type_code: str
    scheme_name: str
    occupation_name: str | None
    occupation_code: str | None
    work_type: str
    level_label: str | None
    level_number: int | None
    category: str | None
    certificate_number: str
    institution_name: str | None
    institution_code: str | None
    authority_name: str  # who issued the certificate (发证机关, or the 评价机构 that did)
    issued_on: date
    valid_until: date | None
    issued_by_institution: bool = False  # 职业技能等级证书: the evaluation institution issues

    def as_rows(self) -> list[tuple[str, str]]:
        """(label, value) in the order of the printed certificate."""
        rows = [
            ("姓名", self.holder_name),
            ("证件类型", self.id_type),
            ("证件号码", self.id_number_masked),
            ("证书名称", f"{self.scheme_name}（{self.certificate_type}）"),
        ]
        if self.occupation_name:
            rows.append(("职业名称", self.occupation_name))
            rows.append(("工种/职业方向", self.work_type))
        if self.level_label:
            rows.append(("职业技能等级", self.level_label))
        if self.category:
            rows.append(("作业类别", self.category))
        rows.append(("证书编号", self.certificate_number))
        if self.issued_by_institution:
            rows.append(("评价机构（发证单位）", self.authority_name))
        else:
            if self.institution_name:
                rows.append(("评价机构", self.institution_name))
            rows.append(("发证机关", self.authority_name))
        rows.append(("发证日期", self.issued_on.isoformat()))
        rows.append(("有效期至", self.valid_until.isoformat() if self.valid_until else "长期有效"))
        return rows


def issuer_of(certificate: Certificate) -> IssuerRef:
    institution = certificate.institution
    if certificate.scheme == "skill_level" and institution is not None:
        slug = "org-" + re.sub(r"[^a-z0-9]", "", institution.code.lower())
        return IssuerRef(slug=slug[:64], name=institution.name)
    authority = certificate.issuer
    return IssuerRef(slug=f"{authority.department}-{authority.province_code}", name=authority.name)


def effective_valid_until(certificate: Certificate, as_of: date) -> date | None:
    """The expiry in force on `as_of`: 复审/延期复核 on record extend the printed date."""
    scheme = load_catalog().scheme(certificate.scheme)
    status = status_on(
        scheme.validity,
        issued=certificate.issued_on,
        valid_until=certificate.valid_until,
        events=[Event(e.kind, e.effective_on, e.reason) for e in certificate.events],
        as_of=as_of,
    )
    return status.valid_until or certificate.valid_until


def printed_fields(certificate: Certificate, as_of: date | None = None) -> PrintedFields:
    catalog = load_catalog()
    scheme = catalog.scheme(certificate.scheme)
    cert_type = catalog.types[certificate.type_code]
    occupation = (
        catalog.occupations.get(certificate.occupation_code)
        if certificate.occupation_code and certificate.scheme in ("skill_level", "qualification")
        else None
    )
    level = catalog.levels[certificate.level] if certificate.level else None
    person = certificate.person
    institution = certificate.institution
    # A 职业技能等级证书 is issued by its evaluation institution, under 人社's supervision.
    by_institution = certificate.scheme == "skill_level" and institution is not None
    return PrintedFields(
        holder_name=person.name,
        id_type=ID_KIND_LABELS.get(person.id_kind, person.id_kind),
        id_number_masked=person.id_masked,
        certificate_type=cert_type.name_zh,
        certificate_type_code=cert_type.code,
        scheme_name=scheme.name_zh,
        occupation_name=occupation.name_zh if occupation else None,
        occupation_code=occupation.code if occupation else None,
        work_type=NO_WORK_TYPE,
        level_label=level.label if level else None,
        level_number=level.number if level else None,
        category=cert_type.category_name_zh,
        certificate_number=certificate.number_display,
        institution_name=institution.name if institution else None,
        institution_code=institution.code if institution else None,
        authority_name=(
            institution.name if by_institution and institution else certificate.issuer.name
        ),
        issued_on=certificate.issued_on,
        valid_until=effective_valid_until(certificate, as_of or clock.today()),
        issued_by_institution=by_institution,
    )
