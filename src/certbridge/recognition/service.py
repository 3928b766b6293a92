"""Recognition services: requests and registry records in, the evaluator's answer out."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from certbridge.catalog import Catalog, CertificateType, default_valid_until, load_catalog
from certbridge.errors import InputError, NotFound
from certbridge.identity import parse_id_number, validate_name
from certbridge.recognition.engine import (
    Basis,
    DeemedFinding,
    Evaluation,
    Held,
    Profile,
    evaluate,
    experience_from_certificates,
    jurisdiction_of,
)
from certbridge.recognition.policy import Policy, load_policy
from certbridge.recognition.schemas import (
    CertificateFindingView,
    CertificateIn,
    CitationView,
    DeemedView,
    EligibleView,
    EvaluateRequest,
    ExemptionView,
    HolderView,
    NamedCode,
    OneExamView,
    PathView,
    RecognitionAnswer,
    StandingView,
)
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys, find_person

MAX_EXPERIENCE_YEARS = 60
LEVEL_RULE = "等级应为1至5的整数（5=五级/初级工 … 1=一级/高级技师）或等级名称，如“四级/中级工”"
# Text naming a level by number: one digit 1-5, optionally followed by 级. Anything else
# with a digit in it (-1, 0, 6, 4.5, +4) is refused, never folded into a level.
_LEVEL_NUMBER = re.compile(r"[1-5]级?")


# ---------------------------------------------------------------- request → profile


def resolve_target(text: str | None, catalog: Catalog) -> CertificateType | None:
    if text is None or not text.strip():
        return None
    try:
        return catalog.resolve_type(text)
    except InputError as exc:
        raise InputError(exc.code, exc.message, field="target") from None


def check_province(code: str | None, catalog: Catalog) -> str | None:
    if code is None or not code.strip():
        return None
    if code.strip() not in catalog.provinces:
        raise InputError(
            "recognition.province",
            f"省级代码“{code}”无效，应为两位数字代码，如14",
            field="province",
        )
    return code.strip()


def check_education(raw: str | list[str] | None, policy: Policy) -> tuple[str, ...]:
    values = [raw] if isinstance(raw, str) else list(raw or [])
    cleaned = tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    for value in cleaned:
        if value not in policy.education:
            known = "、".join(policy.education)
            raise InputError(
                "recognition.education",
                f"无法识别的学历“{value}”，可填写：{known}",
                field="education",
            )
    return cleaned


def _held_from_input(index: int, item: CertificateIn, as_of: date, catalog: Catalog) -> Held:
    field = f"certificates[{index}]"
    try:
        cert_type = catalog.resolve_type(item.type)
    except InputError as exc:
        raise InputError(
            exc.code, f"第{index + 1}张证书：{exc.message}", field=f"{field}.type"
        ) from None
    level = _level(index, item.level, catalog)
    if cert_type.requires_level and level is None:
        raise InputError(
            "recognition.level_required",
            f"第{index + 1}张证书（{cert_type.name_zh}）须写明等级（5=五级 … 1=一级）",
            field=f"{field}.level",
        )
    if not cert_type.requires_level and level is not None:
        raise InputError(
            "recognition.level_unexpected",
            f"第{index + 1}张证书（{cert_type.name_zh}）不分等级，level 应为 null",
            field=f"{field}.level",
        )
    try:
        valid_until = item.valid_until or default_valid_until(
            catalog.scheme(cert_type.scheme).validity, item.issued
        )
    except (ValueError, OverflowError):
        raise InputError(
            "recognition.dates", f"第{index + 1}张证书的发证日期超出范围", field=f"{field}.issued"
        ) from None
    if valid_until is not None and valid_until < item.issued:
        raise InputError(
            "recognition.dates",
            f"第{index + 1}张证书的有效期截止日早于发证日期",
            field=f"{field}.valid_until",
        )
    return Held(
        cert_type.code, level, item.issued, valid_until, item.status, ref=f"certificates[{index}]"
    )


def _level(index: int, raw: int | float | str | None, catalog: Catalog) -> int | None:
    """The level number of a request's certificate: an integer 1-5 or a level name."""
    field = f"certificates[{index}].level"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    refused = InputError(
        "recognition.level_invalid",
        f"第{index + 1}张证书的等级“{raw}”无效：{LEVEL_RULE}",
        field=field,
    )
    if isinstance(raw, float):
        if not raw.is_integer():
            raise refused
        raw = int(raw)
    if isinstance(raw, int):
        if not 1 <= raw <= 5:
            raise refused
        return raw
    text = unicodedata.normalize("NFKC", raw).strip()
    if any(ch.isdigit() for ch in text) and not _LEVEL_NUMBER.fullmatch(text):
        raise refused
    try:
        return catalog.resolve_level(text).number
    except InputError as exc:
        raise InputError(
            "recognition.level_invalid", f"第{index + 1}张证书：{exc.message}", field=field
        ) from None


def profile_from_request(request: EvaluateRequest, today: date) -> Profile:
    catalog, policy = load_catalog(), load_policy()
    as_of = request.as_of or today
    experience = {}
    for code, years in sorted(request.experience_years.items()):
        occupation = catalog.occupation(code).code
        if not 0 <= years <= MAX_EXPERIENCE_YEARS:
            raise InputError(
                "recognition.experience",
                f"职业{occupation}的从业年限应在0至{MAX_EXPERIENCE_YEARS}年之间",
                field="experience_years",
            )
        experience[occupation] = float(years)
    target = resolve_target(request.target, catalog)
    return Profile(
        certificates=tuple(
            _held_from_input(i, c, as_of, catalog) for i, c in enumerate(request.certificates)
        ),
        as_of=as_of,
        experience_years=experience,
        education=check_education(request.education, policy),
        apprenticeship=request.apprenticeship,
        target=target.code if target else None,
        province=check_province(request.province, catalog),
    )


def evaluate_request(request: EvaluateRequest, today: date) -> RecognitionAnswer:
    profile = profile_from_request(request, today)
    return answer(run(profile), experience_source="declared")


def run(profile: Profile, policy: Policy | None = None) -> Evaluation:
    policy = policy or load_policy()
    return evaluate(profile, policy.in_force(profile.as_of, jurisdiction_of(profile)))


# ---------------------------------------------------------------- registry → profile


def held_from_certificate(certificate: Certificate, as_of: date, catalog: Catalog) -> Held:
    scheme = catalog.scheme(certificate.scheme)
    status = status_on(
        scheme.validity,
        issued=certificate.issued_on,
        valid_until=certificate.valid_until,
        events=[Event(e.kind, e.effective_on, e.reason) for e in certificate.events],
        as_of=as_of,
    )
    return Held(
        type_code=certificate.type_code,
        level=certificate.level,
        issued=certificate.issued_on,
        valid_until=status.valid_until,
        status=status.code,
        reason=status.reason if not status.counts else "",
        province=certificate.issuer.province_code,
        ref=certificate.number_display,
    )


def recognition_for_person(
    session: Session,
    *,
    name: str,
    id_number: str,
    as_of: date,
    keys: Keys,
    target: str | None = None,
    province: str | None = None,
    education: str | list[str] | None = None,
) -> RecognitionAnswer:
    """The registry's certificates of one person, evaluated. Any miss is the same NotFound."""
    catalog, policy = load_catalog(), load_policy()
    clean_name = validate_name(name)
    parsed = parse_id_number(id_number, today=as_of)
    target_type = resolve_target(target, catalog)
    province_code = check_province(province, catalog)
    educations = check_education(education, policy)
    person = find_person(session, parsed, keys)
    if person is None or person.name != clean_name:
        raise NotFound
    certificates = session.scalars(
        select(Certificate)
        .where(Certificate.person_id == person.id)
        .options(selectinload(Certificate.events), selectinload(Certificate.issuer))
        .order_by(Certificate.issued_on, Certificate.id)
    ).all()
    held = tuple(held_from_certificate(c, as_of, catalog) for c in certificates)
    profile = Profile(
        certificates=held,
        as_of=as_of,
        experience_years=experience_from_certificates(held, as_of),
        education=educations,
        target=target_type.code if target_type else None,
        province=province_code,
    )
    holder = HolderView(name=person.name, id_number_masked=person.id_masked)
    return answer(run(profile, policy), experience_source="certificates", holder=holder)


# ---------------------------------------------------------------- evaluation → answer


def _type(code: str, catalog: Catalog) -> NamedCode:
    return NamedCode(code=code, name=catalog.types[code].name_zh)


def _basis(basis: Basis) -> dict[str, object]:
    return {
        "rule_ids": list(basis.rule_ids),
        "citations": [
            CitationView(document=c.document, title=c.title, clause=c.clause, text=c.text)
            for c in basis.citations
        ],
        "unconfirmed": basis.unconfirmed,
    }


def answer(
    evaluation: Evaluation, *, experience_source: str, holder: HolderView | None = None
) -> RecognitionAnswer:
    catalog = load_catalog()
    occupation = catalog.occupations
    level = catalog.levels
    province = evaluation.province
    return RecognitionAnswer(
        as_of=evaluation.as_of,
        holder=holder,
        province=(
            NamedCode(code=province, name=catalog.provinces[province].name_zh) if province else None
        ),
        province_source=evaluation.province_source,
        province_note=province_note(evaluation, catalog),
        provisions=list(evaluation.provisions),
        target=_type(evaluation.target, catalog) if evaluation.target else None,
        experience_source="declared" if experience_source == "declared" else "certificates",
        certificates=[
            CertificateFindingView(
                ref=c.ref,
                type=_type(c.type_code, catalog),
                level=c.level,
                status=c.status,
                counts=c.counts,
                reason=c.reason,
            )
            for c in evaluation.certificates
        ],
        exemptions=[
            ExemptionView.model_validate(
                {
                    "code": e.code,
                    "label": e.label,
                    "target": _type(e.target, catalog),
                    "via": [_type(v, catalog) for v in e.via],
                    "rows": list(e.rows),
                    "already_held": e.already_held,
                    "note": ALREADY_HELD if e.already_held else "",
                    **_basis(e.basis),
                }
            )
            for e in evaluation.exemptions
        ],
        deemed_levels=[
            DeemedView.model_validate(
                {
                    "occupation": d.occupation,
                    "occupation_name": occupation[d.occupation].name_zh,
                    "level": d.level,
                    "level_name": level[d.level].label,
                    "via": [_type(v, catalog) for v in d.via],
                    "superseded_by": d.superseded_by,
                    "note": _superseded_note(d, evaluation, catalog),
                    **_basis(d.basis),
                }
            )
            for d in evaluation.deemed_levels
        ],
        standings=[
            StandingView.model_validate(
                {
                    "occupation": s.occupation,
                    "occupation_name": occupation[s.occupation].name_zh,
                    "level": s.level,
                    "level_name": level[s.level].label,
                    "held": list(s.held),
                    "deemed_via": [_type(v, catalog) for v in s.deemed_via],
                    **_basis(s.basis),
                }
            )
            for s in evaluation.standings
        ],
        eligible_levels=[
            EligibleView.model_validate(
                {
                    "occupation": e.occupation,
                    "occupation_name": occupation[e.occupation].name_zh,
                    "level": e.level,
                    "level_name": level[e.level].label,
                    "current_level": e.current_level,
                    "met": e.met,
                    "missing": list(e.missing),
                    "paths": [
                        PathView(rule_id=p.rule_id, met=p.met, missing=list(p.missing))
                        for p in e.paths
                    ],
                    **_basis(e.basis),
                }
            )
            for e in evaluation.eligible_levels
        ],
        one_exam=[
            OneExamView.model_validate(
                {
                    "target": _type(o.target, catalog),
                    "occupation": o.occupation,
                    "occupation_name": occupation[o.occupation].name_zh,
                    "level": o.level,
                    "level_name": level[o.level].label,
                    "local_discretion": o.local_discretion,
                    "already_held": o.already_held,
                    "note": ALREADY_HELD if o.already_held else "",
                    **_basis(o.basis),
                }
            )
            for o in evaluation.one_exam
        ],
    )


ALREADY_HELD = "已持有该证书"


def _superseded_note(deemed: DeemedFinding, evaluation: Evaluation, catalog: Catalog) -> str:
    """Why a deemed level is moot: the higher level held (own certificate) or deemed."""
    if deemed.superseded_by is None:
        return ""
    best = next(s for s in evaluation.standings if s.occupation == deemed.occupation)
    name = f"{catalog.occupations[deemed.occupation].name_zh}{catalog.levels[best.level].label}"
    return f"已持有{name}证书，以此为准" if best.held else f"已视同{name}，以此为准"


def province_note(evaluation: Evaluation, catalog: Catalog) -> str:
    """Which province's provisions applied and why, in words."""
    code, source = evaluation.province, evaluation.province_source
    if code is None:
        why = "有效证书来自多个省份" if source == "several" else "没有能表明省份的有效证书"
        return f"未选择报考省份，{why}，只按全国规定；选择报考省份可适用该省的特别规定。"
    name = catalog.provinces[code].name_zh
    why = (
        f"按选择的报考省份（{name}）"
        if source == "chosen"
        else f"未选择报考省份，按有效证书的发证省份（{name}）"
    )
    if evaluation.provisions:
        return f"{why}：适用该省的特别规定（{'、'.join(evaluation.provisions)}），其余按全国规定。"
    return f"{why}：该省没有特别规定，按全国规定。"


def province_choices() -> list[NamedCode]:
    """Provinces a worker may choose as the exam province."""
    return [NamedCode(code=c, name=p.name_zh) for c, p in load_catalog().provinces.items()]


def target_choices() -> list[NamedCode]:
    """Certificate types that some rule in the policy can say something about."""
    catalog, policy = load_catalog(), load_policy()
    codes: set[str] = {row.to_type for row in policy.rows}
    for rule in policy.rules.values():
        codes.update(rule.targets)
        codes.update(rule.holding)
    return sorted((_type(c, catalog) for c in codes), key=lambda n: n.code)
