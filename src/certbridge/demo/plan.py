"""What the demo database holds, planned without touching a database. Pure and seeded.

Holders follow a few career profiles (an electrician with 应急, 住建 and 人社
certificates; a welder; a construction worker; an equipment operator; a skilled worker
with a legacy 职业资格 certificate). Dates spread over twelve years before the anchor
date, so some certificates have expired, some are due for review, a few are suspended
(暂扣), revoked (撤销/吊销) or cancelled (注销), each in its scheme's words. No certificate
is dated before its scheme existed (catalog data).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from certbridge.catalog import (
    Catalog,
    CertificateType,
    Scheme,
    default_valid_until,
    generate_number,
)
from certbridge.demo.names import random_name
from certbridge.identity import county_codes, make_id_number

# Reasons with the verb the regulations use, each with the word recorded on the event: a
# suspension in the scheme's word ({word}: 暂扣, or 暂停 for 人社), a revocation (撤销 for a
# fault, 吊销 as a penalty where the scheme has it), a cancellation (注销, never a penalty).
SUSPEND_REASONS = ("违章作业，依法{word}证书", "复审材料存疑，{word}证书待核查")
REVOKE_REASONS = {
    "撤销": (("以欺骗手段取得证书，依法撤销", "撤销"), ("考核中弄虚作假，依法撤销证书", "撤销")),
    "吊销": (("以欺骗手段取得证书，依法撤销", "撤销"), ("违章作业造成事故，依法吊销证书", "吊销")),
}
CANCEL_REASONS = (("持证人本人申请注销", "注销"), ("持证人死亡，依法注销", "注销"))
INSTITUTION_WORDS = ("鸿运", "华信", "金桥", "蓝天", "恒通", "启航", "匠心", "卓越", "联创", "方圆")
INSTITUTION_KINDS = (
    "职业技能培训学校",
    "职业技能鉴定中心",
    "技能评价中心",
    "技工学校",
    "职业培训学院",
)
COMPANY_KINDS = ("电力工程有限公司", "重工集团有限公司", "建设集团有限公司", "机车车辆有限公司")
PERMIT_PREFIXES = ("810000", "820000", "830000")


@dataclass(frozen=True)
class PlannedInstitution:
    code: str
    name: str
    kind: str
    filing_code: str
    province_code: str
    site_code: str
    scopes: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PlannedEvent:
    kind: str
    effective_on: date
    reason: str = ""
    word: str = ""


@dataclass(frozen=True)
class PlannedCertificate:
    number: str
    type: CertificateType
    level: int | None
    issued_on: date
    valid_until: date | None
    department: str
    province_code: str
    institution: int | None  # index into the planned institutions
    events: tuple[PlannedEvent, ...]


@dataclass(frozen=True)
class PlannedPerson:
    id_number: str
    name: str
    certificates: tuple[PlannedCertificate, ...]


@dataclass
class Counters:
    """Serial numbers, so every generated certificate number is unique."""

    by_scheme: dict[str, int] = field(default_factory=dict)

    def next(self, scheme: str) -> int:
        self.by_scheme[scheme] = self.by_scheme.get(scheme, 0) + 1
        return self.by_scheme[scheme]


def plan_demo(
    catalog: Catalog, *, people: int, seed: int, anchor: date
) -> tuple[tuple[PlannedInstitution, ...], Iterator[PlannedPerson]]:
    """The whole demo population for a seed and anchor date: same inputs, same data."""
    rng = random.Random(seed)
    institutions = plan_institutions(catalog, rng, max(30, people // 400))
    return institutions, plan_people(catalog, rng, people, anchor, institutions)


def plan_institutions(
    catalog: Catalog, rng: random.Random, count: int
) -> tuple[PlannedInstitution, ...]:
    provinces = sorted(catalog.provinces)
    occupations = sorted(
        t.occupation for t in catalog.types_of_scheme("skill_level") if t.occupation
    )
    planned = []
    for index in range(count):
        province = provinces[index % len(provinces)]
        kind = "Y" if rng.random() < 0.3 else "S"
        filing = "0000" if rng.random() < 0.4 else f"{index + 1:04d}"
        core = [_occupation_code(catalog, name) for name in ("电工", "焊工")]
        chosen = {*core[: rng.randint(1, 2)], *rng.sample(occupations, k=min(3, len(occupations)))}
        scopes = tuple(
            sorted((occ, level) for occ in chosen for level in range(rng.randint(2, 4), 6))
        )
        planned.append(
            PlannedInstitution(
                code=f"{kind}{filing}{province}{index + 1:06d}",
                name=_institution_name(catalog, rng, kind, province),
                kind=kind,
                filing_code=filing,
                province_code=province,
                site_code=f"{index + 1:06d}",
                scopes=scopes,
            )
        )
    return tuple(planned)


def _occupation_code(catalog: Catalog, name_or_code: str) -> str:
    if name_or_code in catalog.occupations:
        return name_or_code
    return next(o.code for o in catalog.occupations.values() if o.name_zh == name_or_code)


def _institution_name(catalog: Catalog, rng: random.Random, kind: str, province: str) -> str:
    place = catalog.provinces[province].name_zh.removesuffix("省").removesuffix("市")
    word = rng.choice(INSTITUTION_WORDS)
    suffix = rng.choice(COMPANY_KINDS if kind == "Y" else INSTITUTION_KINDS)
    return f"{place}{word}{suffix}"


def plan_people(
    catalog: Catalog,
    rng: random.Random,
    count: int,
    anchor: date,
    institutions: tuple[PlannedInstitution, ...],
) -> Iterator[PlannedPerson]:
    """`count` holders with unique ID numbers, one at a time (constant memory per person)."""
    counties = county_codes()
    seen: set[str] = set()
    counters = Counters()
    planner = _CertificatePlanner(catalog, rng, anchor, institutions, counters)
    while len(seen) < count:
        id_number = _random_id_number(rng, counties, anchor)
        if id_number in seen:
            continue
        seen.add(id_number)
        province = _home_province(catalog, id_number, rng)
        certificates = planner.for_person(id_number, province, _birth_date(id_number))
        yield PlannedPerson(id_number, random_name(rng), certificates)


def _random_id_number(rng: random.Random, counties: tuple[str, ...], anchor: date) -> str:
    age_years = min(60, max(18, int(rng.gauss(38, 10))))
    birth = anchor - timedelta(days=age_years * 365 + rng.randint(0, 364))
    address = rng.choice(PERMIT_PREFIXES) if rng.random() < 0.005 else rng.choice(counties)
    return make_id_number(address, birth, rng.randint(0, 999))


def _birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _home_province(catalog: Catalog, id_number: str, rng: random.Random) -> str:
    province = id_number[:2]
    if province in catalog.provinces:
        return province
    return "44"  # 港澳台 residents here mostly work in 广东


@dataclass
class _CertificatePlanner:
    catalog: Catalog
    rng: random.Random
    anchor: date
    institutions: tuple[PlannedInstitution, ...]
    counters: Counters

    def for_person(
        self, id_number: str, province: str, birth: date
    ) -> tuple[PlannedCertificate, ...]:
        profile = self.rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]
        adult = _add_years(birth, 18)
        planned = []
        for index, (type_name, probability, level) in enumerate(profile):
            if index == 0 or self.rng.random() < probability:
                issued = self._issue_date(type_name, adult)
                if issued is not None:
                    planned.append(self._certificate(type_name, level, id_number, province, issued))
        return tuple(planned)

    def _issue_date(self, type_name: str, adult: date) -> date | None:
        """Within twelve years before the anchor, never before 18; legacy 职业资格
        certificates only before 2020, when skill-level evaluation replaced them."""
        latest = self.anchor - timedelta(days=1)
        if self.catalog.resolve_type(type_name).scheme == "qualification":
            latest = min(latest, date(2019, 12, 31))
        earliest = max(adult, self.anchor - timedelta(days=12 * 365))
        if earliest > latest:
            return None
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def _certificate(
        self, type_name: str, level: int | None, id_number: str, province: str, drawn: date
    ) -> PlannedCertificate:
        cert_type = self.catalog.resolve_type(type_name)
        scheme = self.catalog.scheme(cert_type.scheme)
        issued = self._within_scheme(scheme, drawn)
        chosen_level = level if cert_type.requires_level else None
        institution = (
            self._institution_for(cert_type, province) if scheme.code == "skill_level" else None
        )
        number = self._number(cert_type, chosen_level, id_number, province, issued, institution)
        valid_until = default_valid_until(scheme.validity, issued)
        events = self._events(scheme, drawn)
        return PlannedCertificate(
            number=number,
            type=cert_type,
            level=chosen_level,
            issued_on=issued,
            valid_until=valid_until,
            department=scheme.department,
            province_code=province,
            institution=institution,
            events=tuple(replace(e, effective_on=max(e.effective_on, issued)) for e in events),
        )

    def _within_scheme(self, scheme: Scheme, drawn: date) -> date:
        """No certificate before its scheme existed (catalog: 职业技能等级证书 from 2019). A
        date drawn earlier moves into the scheme's years without another draw, so that the
        rest of the seeded demo stays as it was."""
        start = date(scheme.issue_rules.since_year, 1, 1)
        if drawn >= start:
            return drawn
        span = (self.anchor - start).days
        return start + timedelta(days=(start - drawn).days % max(span, 1))

    def _institution_for(self, cert_type: CertificateType, province: str) -> int:
        matching = [
            i
            for i, inst in enumerate(self.institutions)
            if inst.province_code == province
            and any(o == cert_type.occupation for o, _ in inst.scopes)
        ]
        return self.rng.choice(matching) if matching else self.rng.randrange(len(self.institutions))

    def _number(
        self,
        cert_type: CertificateType,
        level: int | None,
        id_number: str,
        province: str,
        issued: date,
        institution: int | None,
    ) -> str:
        serial = self.counters.next(cert_type.scheme)
        scheme = cert_type.scheme
        if scheme in ("special_operation", "special_equipment"):
            return generate_number(scheme, self.rng, id_number=id_number)
        if scheme == "skill_level":
            inst = self.institutions[institution or 0]
            return generate_number(
                scheme,
                self.rng,
                institution_type=inst.kind,
                institution_code=inst.filing_code,
                province_code=inst.province_code,
                site_code=f"{serial // 1_000_000 + 1:06d}",
                year=issued.year,
                level=level,
                serial=f"{serial % 1_000_000:06d}",
            )
        if scheme == "qualification":
            return generate_number(
                scheme,
                self.rng,
                year=issued.year,
                province_code=province,
                institution_code=f"{serial // 100_000 % 1000:03d}",
                level=level,
                serial=f"{serial % 100_000:05d}",
            )
        return generate_number(
            scheme,
            self.rng,
            province_code=province,
            category_code=cert_type.category_code,
            city_letter="ABCDEFGHJKLMNPQRSTUVWXYZ"[serial // 1_000_000 % 24],
            year=issued.year,
            serial=f"{serial % 1_000_000:06d}",
        )

    def _events(self, scheme: Scheme, issued: date) -> tuple[PlannedEvent, ...]:
        events = list(self._reviews(scheme.code, issued))
        words = scheme.status_words
        roll = self.rng.random()
        if roll < 0.015:
            when = issued + timedelta(
                days=self.rng.randint(30, max(31, (self.anchor - issued).days))
            )
            # A third of the closed records are cancelled (注销), the rest revoked.
            kind = "cancelled" if roll < 0.005 else "revoked"
            choices = CANCEL_REASONS if kind == "cancelled" else REVOKE_REASONS[words.revoked[-1]]
            reason, word = self.rng.choice(choices)
            events.append(PlannedEvent(kind, min(when, self.anchor), reason, word))
        elif roll < 0.035:
            when = self.anchor - timedelta(days=self.rng.randint(1, 200))
            reason = self.rng.choice(SUSPEND_REASONS).format(word=words.suspended)
            events.append(PlannedEvent("suspended", max(when, issued), reason, words.suspended))
        return tuple(sorted(events, key=lambda e: e.effective_on))

    def _reviews(self, scheme: str, issued: date) -> Iterator[PlannedEvent]:
        interval = {"special_operation": 3, "construction": 2, "special_equipment": 4}.get(scheme)
        if interval is None:
            return
        due = issued
        while True:
            due = _add_years(due, interval)
            review_day = due - timedelta(days=self.rng.randint(5, 50))
            if review_day > self.anchor or self.rng.random() > 0.85:
                return
            yield PlannedEvent("reviewed", review_day, "")


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# (type name, probability, level) — names resolve through the catalog like any user input.
ELECTRICIAN = (("低压电工作业", 1.0, None), ("建筑电工", 0.6, None), ("电工", 0.5, 4))
SENIOR_ELECTRICIAN = (("高压电工作业", 1.0, None), ("电工", 0.8, 3), ("电工（职业资格）", 0.4, 4))
WELDER = (
    ("熔化焊接与热切割作业", 1.0, None),
    ("建筑焊工", 0.5, None),
    ("焊工", 0.5, 4),
    ("特种设备焊接操作", 0.3, None),
)
CONSTRUCTION = (("建筑架子工(普通)", 1.0, None), ("登高架设作业", 0.5, None))
EQUIPMENT = (("叉车司机", 1.0, None), ("起重机司机", 0.4, None))
SKILLED = (("焊工", 1.0, 5), ("焊工（职业资格）", 0.5, 4))
PROFILES = (ELECTRICIAN, SENIOR_ELECTRICIAN, WELDER, CONSTRUCTION, EQUIPMENT, SKILLED)
PROFILE_WEIGHTS = (30, 10, 25, 15, 10, 10)
