"""Row validation: one row of a department's file against the catalog and the scheme's
rules, every problem named with its column, value, stable code and Chinese message. Pure."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from certbridge.catalog import (
    STANDING_WORDS,
    CertificateType,
    Scheme,
    add_years,
    load_catalog,
    validate_number,
)
from certbridge.catalog.loader import normalize_type_text
from certbridge.catalog.plausibility import issue_date_problems
from certbridge.errors import InputError
from certbridge.exchange.dates import parse_date
from certbridge.exchange.profile import Profile
from certbridge.identity import IdNumber, parse_id_number, validate_name

# Generic labels of the states; a file's own word (暂扣, 吊销 …) is kept with the event.
STATE_LABELS = {"active": "有效", "suspended": "暂扣", "revoked": "撤销", "cancelled": "注销"}
# The regulations' words mean the same in every profile, whatever its own codes say (an
# older profile reads 注销 as a revocation): 注销 is a cancellation, never a penalty.
STANDING_BY_WORD = {word: kind for kind, words in STANDING_WORDS.items() for word in words}
NO_EXPIRY_TEXTS = frozenset({"长期", "长期有效", "永久", "无", "--", "-", "/"})
_DEPARTMENT_WORDS = (
    ("mohrss", ("人力资源", "人社", "社会保障", "劳动")),
    ("mem", ("应急管理", "安全生产监督", "安监", "应急")),
    ("mohurd", ("住房", "住建", "建设厅", "建设委员会", "建委")),
    ("samr", ("市场监督", "市场监管", "质量技术监督", "质监")),
)
_PROVINCE_SUFFIX = re.compile("(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


@dataclass(frozen=True)
class RowError:
    code: str
    message: str
    column: str | None
    value: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "message": self.message,
            "column": self.column,
            "value": self.value,
        }


@dataclass(frozen=True)
class Issuer:
    """Who answers for the rows: from the command line or the token, may be partial."""

    department: str | None
    province_code: str | None


@dataclass(frozen=True)
class CertificateRow:
    name: str
    id_number: IdNumber
    number: str
    type: CertificateType
    level: int | None
    issued_on: date
    valid_until: date | None
    state: str
    department: str
    province_code: str
    state_word: str = ""  # the file's word for a standing other than active (暂扣, 吊销 …)
    # 聘用单位 where the file has it; None: not sent (what is registered stays).
    employer: str | None = None

    def data(self) -> dict[str, Any]:
        """The values reconciliation compares (JSON-ready)."""
        return {
            "type_code": self.type.code,
            "level": self.level,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "state": self.state,
            "employer": self.employer,
        }


@dataclass(frozen=True)
class StatusRow:
    number: str
    type: CertificateType | None
    name: str
    action: str
    effective_on: date
    reason: str
    word: str = ""  # the file's word for the change (暂扣, 吊销, 撤销, 注销 …)


def text_of(value: object) -> str:
    """A cell as text: numbers without a spurious '.0', dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


class _Collector:
    """Reads fields of one row and gathers every problem instead of stopping at the first."""

    def __init__(self, profile: Profile, row: Mapping[str, Any], fields: Mapping[str, str]):
        self.profile, self.row, self.fields = profile, row, fields
        self.errors: list[RowError] = []

    def header(self, field: str) -> str | None:
        return self.fields.get(field)

    def raw(self, field: str) -> Any:
        header = self.fields.get(field)
        return None if header is None else self.row.get(header)

    def text(self, field: str) -> str:
        return text_of(self.raw(field))

    def add(self, field: str | None, code: str, message: str, value: object = None) -> None:
        column = self.header(field) if field else None
        shown = text_of(value) if value is not None else (self.text(field) if field else None)
        where = f"“{column}”列" if column else ""
        self.errors.append(RowError(code, f"{where}{message}", column, shown))

    def add_error(self, field: str, exc: InputError) -> None:
        self.add(field, exc.code, exc.message)

    def required(self, field: str) -> str | None:
        text = self.text(field)
        if not text:
            column = self.profile.column(field)
            label = column.label if column else field
            header = self.header(field) or label
            self.errors.append(
                RowError("row.missing", f"“{header}”列为必填项，本行为空", header, "")
            )
            return None
        return text

    def structure(self) -> None:
        for problem in self.row.get("_problems", ()):  # what the reader could not read
            self.errors.append(RowError(**problem))
        if "_invalid_json" in self.row:
            self.errors.append(
                RowError("row.json", "本行不是有效的JSON对象", None, str(self.row["_invalid_json"]))
            )
        if "_extra" in self.row:
            extra = self.row["_extra"]
            self.errors.append(
                RowError(
                    "row.column_count",
                    f"本行比表头多出{len(extra)}列，可能是分隔符或引号错误",
                    None,
                    ",".join(text_of(v) for v in extra),
                )
            )


def validate_certificate_row(
    profile: Profile,
    row: Mapping[str, Any],
    fields: Mapping[str, str],
    issuer: Issuer,
    today: date,
) -> CertificateRow | list[RowError]:
    c = _Collector(profile, row, fields)
    c.structure()
    name = _name(c)
    id_number = _id_number(c, today)
    cert_type = _type(c, issuer)
    level = _level(c, cert_type)
    department, province = _issuer(c, issuer, cert_type)
    number = _number(c, cert_type, level, id_number, province)
    issued_on, valid_until = _dates(c, cert_type, today, id_number)
    state, state_word = _state(c)
    employer = _employer(c)
    if (
        c.errors
        or name is None
        or id_number is None
        or cert_type is None
        or number is None
        or issued_on is None
        or state is None
        or department is None
        or province is None
    ):
        return c.errors
    return CertificateRow(
        name=name,
        id_number=id_number,
        number=number,
        type=cert_type,
        level=level,
        issued_on=issued_on,
        valid_until=valid_until,
        state=state,
        department=department,
        province_code=province,
        state_word=state_word,
        employer=employer,
    )


def _name(c: _Collector) -> str | None:
    text = c.required("name")
    if text is None:
        return None
    try:
        return validate_name(text)
    except InputError as exc:
        c.add_error("name", exc)
        return None


def _id_number(c: _Collector, today: date) -> IdNumber | None:
    text = c.required("id_number")
    if text is None:
        return None
    try:
        return parse_id_number(text, today=today)
    except InputError as exc:
        c.add_error("id_number", exc)
        return None


def _type(c: _Collector, issuer: Issuer) -> CertificateType | None:
    text = c.required("type")
    if text is None:
        return None
    catalog = load_catalog()
    try:
        found = catalog.resolve_type(text)
    except InputError as exc:
        c.add_error("type", exc)
        return None
    scheme = catalog.scheme(found.scheme)
    if c.profile.schemes and found.scheme not in c.profile.schemes:
        allowed = "、".join(catalog.scheme(s).name_zh for s in c.profile.schemes)
        c.add("type", "row.scheme", f"“{found.name_zh}”属于{scheme.name_zh}，本格式只收{allowed}")
        return None
    department = issuer.department or c.profile.department
    if department and scheme.department != department:
        own = catalog.departments[department].short_zh
        c.add(
            "type",
            "issuer.scheme_scope",
            f"“{found.name_zh}”属于{scheme.name_zh}，不是{own}部门发证的证书，不能由本批次提交",
        )
        return None
    _category(c, found)
    return found


def _category(c: _Collector, found: CertificateType) -> None:
    text = c.text("category")
    if not text or found.category_name_zh is None:
        return
    if normalize_type_text(text) not in (
        normalize_type_text(found.category_name_zh),
        normalize_type_text(found.category_code or ""),
    ):
        c.add(
            "category",
            "row.category_mismatch",
            f"作业类别“{text}”与项目“{found.name_zh}”所属类别“{found.category_name_zh}”不一致",
        )


def _level(c: _Collector, cert_type: CertificateType | None) -> int | None:
    text = c.text("level")
    level = None
    if text:
        try:
            level = load_catalog().resolve_level(text).number
        except InputError as exc:
            c.add_error("level", exc)
            return None
    if cert_type is None:
        return level
    if cert_type.requires_level and level is None:
        c.add("level", "certificate.level_missing", f"“{cert_type.name_zh}”须填写职业技能等级")
    elif not cert_type.requires_level and level is not None:
        c.add("level", "certificate.level_unexpected", f"“{cert_type.name_zh}”不设职业技能等级")
        return None
    return level


@functools.lru_cache(maxsize=4096)  # a file names few authorities, many times
def parse_issuer_text(text: str) -> tuple[str | None, str | None]:
    """(department, province code) named by a 发证机关 (山西省应急管理厅); None where unclear."""
    folded = normalize_type_text(text)
    department = next(
        (code for code, words in _DEPARTMENT_WORDS if any(w in folded for w in words)), None
    )
    province = None
    for p in load_catalog().provinces.values():
        short = _PROVINCE_SUFFIX.sub("", p.name_zh)
        if folded.startswith(p.name_zh) or (len(short) >= 2 and folded.startswith(short)):
            province = p.code
            break
    return department, province


def _issuer(
    c: _Collector, issuer: Issuer, cert_type: CertificateType | None
) -> tuple[str | None, str | None]:
    department = load_catalog().scheme(cert_type.scheme).department if cert_type else None
    province = issuer.province_code
    text = c.text("issuer")
    if text:
        named_department, named_province = parse_issuer_text(text)
        if named_department and department and named_department != department:
            c.add("issuer", "issuer.department_mismatch", "发证机关与证书类型所属部门不一致")
        if named_province and province and named_province != province:
            c.add(
                "issuer",
                "issuer.province_mismatch",
                f"发证机关所在省份与本批次的省份（{province}）不一致，不能代其他省份提交",
            )
        province = province or named_province
    if province is None:
        c.add(
            "issuer",
            "issuer.unknown",
            "无法确定发证机关所在省份：请在“发证机关”列写明省份，或导入时用 --province 指定",
            text,
        )
    return department, province


def _number(
    c: _Collector,
    cert_type: CertificateType | None,
    level: int | None,
    id_number: IdNumber | None,
    province: str | None,
) -> str | None:
    text = c.required("number")
    if text is None or cert_type is None:
        return None
    try:
        info = validate_number(cert_type.scheme, text)
    except InputError as exc:
        c.add_error("number", exc)
        return None
    if info.embedded_id_number and id_number and info.embedded_id_number != id_number.value:
        c.add("number", "number.holder_mismatch", "证书编号中的身份证号码与持证人证件号码不一致")
    if info.level is not None and level is not None and info.level != level:
        c.add(
            "level",
            "certificate.level_mismatch",
            f"证书编号中的等级位为{info.level}，与填写的等级{level}不一致",
        )
    if info.province_code and province and info.province_code != province:
        c.add(
            "number",
            "number.issuer_province",
            f"证书编号中的省份代码{info.province_code}与发证机关所在省份{province}不一致",
        )
    return info.number


def _date(c: _Collector, field: str, required: bool) -> date | None:
    raw = c.raw(field)
    text = c.text(field)
    if not text:
        if required:
            c.required(field)
        return None
    try:
        return parse_date(raw if not isinstance(raw, str) else text)
    except InputError as exc:
        c.add_error(field, exc)
        return None


def _dates(
    c: _Collector, cert_type: CertificateType | None, today: date, id_number: IdNumber | None
) -> tuple[date | None, date | None]:
    issued = _date(c, "issued_on", required=True)
    no_expiry = c.text("valid_until") in NO_EXPIRY_TEXTS
    until = None if no_expiry else _date(c, "valid_until", required=False)
    if issued and issued > today:
        c.add("issued_on", "date.future", f"发证日期{issued}晚于今天")
    if issued is None or cert_type is None:
        return issued, until
    scheme = load_catalog().scheme(cert_type.scheme)
    birth = id_number.birth_date if id_number else None
    for code, message in issue_date_problems(scheme, issued, today=today, birth=birth):
        if code != "date.future":  # named above, also when the type is unknown
            c.add("issued_on", code, message)
    problem = validity_problem(scheme, issued, until)
    if problem:
        c.add("valid_until", problem[0], problem[1])
        return issued, None
    return issued, until


def validity_problem(scheme: Scheme, issued: date, until: date | None) -> tuple[str, str] | None:
    """Whether a printed 有效期至 fits the scheme's rule: the term from the issue date, or
    that term extended by reviews (the day before the anniversary is accepted too)."""
    rule = scheme.validity
    if until is None:
        return None
    if rule.validity_years is None:
        return ("validity.unexpected", f"{scheme.name_zh}长期有效，不应填写有效期至")
    if until <= issued:
        return ("validity.before_issue", f"有效期至{until}不晚于发证日期{issued}")
    step = rule.extension_years or rule.validity_years
    for extensions in range(0, 20):
        end = add_years(issued, rule.validity_years + extensions * step)
        if until in (end, end - timedelta(days=1)):
            return None
        if end > until:
            break
    first = add_years(issued, rule.validity_years)
    return (
        "validity.inconsistent",
        f"有效期至{until}与{scheme.name_zh}的有效期规则不符：应为发证日期后"
        f"{rule.validity_years}年（{first}），或经复审延期{step}年的整数倍",
    )


EMPLOYER_MAX_LENGTH = 120  # as registry.models.EMPLOYER_MAX_LENGTH


def _employer(c: _Collector) -> str | None:
    text = " ".join(c.text("employer").split())
    if len(text) > EMPLOYER_MAX_LENGTH:
        c.add(
            "employer",
            "employer.too_long",
            f"聘用单位不能超过{EMPLOYER_MAX_LENGTH}个字符，实际为{len(text)}个",
        )
        return None
    return text or None


def _state(c: _Collector) -> tuple[str | None, str]:
    """The row's state and the word it was given in, when that is one of the
    regulations' words (kept with the event: 吊销 stays 吊销)."""
    text = c.text("status")
    word = normalize_type_text(text)
    if word in STANDING_BY_WORD:
        return STANDING_BY_WORD[word], word
    state = c.profile.code_for(text)
    if state is None:
        known = "、".join(dict.fromkeys([*(k for k in c.profile.codes if k), *STANDING_BY_WORD]))
        c.add("status", "row.status", f"状态“{text}”无法识别，可填写：{known}（空白视为有效）")
    return state, ""


def validate_status_row(
    profile: Profile, row: Mapping[str, Any], fields: Mapping[str, str], today: date
) -> StatusRow | list[RowError]:
    """A row of a suspension/revocation/reinstatement list."""
    c = _Collector(profile, row, fields)
    c.structure()
    number = c.required("number")
    name = _name(c)
    cert_type = None
    if c.text("type"):
        try:
            cert_type = load_catalog().resolve_type(c.text("type"))
        except InputError as exc:
            c.add_error("type", exc)
    action_text = c.required("action")
    word = normalize_type_text(action_text or "")
    action = STANDING_BY_WORD.get(word) or (
        profile.code_for(action_text) if action_text is not None else None
    )
    if action_text is not None and action is None:
        known = "、".join(dict.fromkeys([*profile.codes, *STANDING_BY_WORD]))
        c.add("action", "row.action", f"处理类型“{action_text}”无法识别，可填写：{known}")
    effective_on = _date(c, "effective_on", required=True)
    if effective_on and effective_on > today:
        c.add("effective_on", "date.future", f"生效日期{effective_on}晚于今天")
    if c.errors or number is None or name is None or action is None or effective_on is None:
        return c.errors
    word = word if word in STANDING_BY_WORD else ""
    return StatusRow(number, cert_type, name, action, effective_on, c.text("reason"), word)
