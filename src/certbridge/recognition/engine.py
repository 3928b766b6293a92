"""What a worker's certificates count for under the mutual-recognition policy. Pure.

`evaluate(profile, compiled)` answers, for one person on one date: which certificates
count, the exemptions (免培训/免理论考试) for a target certificate, deemed skill levels
(视同), the best level held or deemed per occupation, the next level each occupation is
open to (申报条件) with what is missing, and 一试多证 options. Every conclusion names the
rules it rests on. Only certificates that are in force (合法有效) on the date grant
anything. The same input gives the same answer.

A new certificate never takes an entitlement away: an exemption for a certificate the
person already holds, or a deemed level below one held, stays in the answer, marked
(`already_held`, `superseded_by`), so every list only grows.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from certbridge.catalog import add_years, load_catalog
from certbridge.recognition.policy import (
    EXEMPTION_LABELS,
    NATIONAL,
    Citation,
    Compiled,
    ExemptionGrant,
    Rule,
)

SKILL_SCHEMES = frozenset({"skill_level", "qualification"})
STATUS_REASONS = {
    "suspended": "证书已暂扣（暂停），暂扣期间不能作为互认依据",
    "revoked": "证书已撤销（吊销），不能作为互认依据",
    "cancelled": "证书已注销，不能作为互认依据",
    "expired": "证书已过有效期（或逾期未复审），不是合法有效证书",
    "not_issued": "评价日期早于发证日期",
}
DAYS_PER_YEAR = 365.2425


# ---------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Held:
    """One certificate as the evaluator sees it.

    `status` is the administrative state (valid, review_due, expired, suspended,
    revoked, not_issued); dates are checked again against `as_of`."""

    type_code: str
    level: int | None
    issued: date
    valid_until: date | None
    status: str = "valid"
    reason: str = ""
    province: str | None = None
    ref: str = ""


@dataclass(frozen=True)
class Profile:
    certificates: tuple[Held, ...]
    as_of: date
    experience_years: Mapping[str, float] = field(default_factory=dict)
    education: tuple[str, ...] = ()
    apprenticeship: bool = False
    target: str | None = None
    province: str | None = None


# ---------------------------------------------------------------- output


@dataclass(frozen=True)
class Basis:
    rule_ids: tuple[str, ...]
    citations: tuple[Citation, ...]
    unconfirmed: bool


@dataclass(frozen=True)
class CertificateFinding:
    ref: str
    type_code: str
    level: int | None
    status: str
    counts: bool
    reason: str


@dataclass(frozen=True)
class ExemptionFinding:
    code: str
    label: str
    target: str
    via: tuple[str, ...]
    rows: tuple[str, ...]
    basis: Basis
    # the person already holds a counting certificate of the target (shown greyed)
    already_held: bool = False


@dataclass(frozen=True)
class DeemedFinding:
    occupation: str
    level: int
    via: tuple[str, ...]
    basis: Basis
    # the higher level held or deemed in the occupation that makes this one moot
    superseded_by: int | None = None


@dataclass(frozen=True)
class StandingFinding:
    """The best level a person has in one occupation, and what it rests on: their own
    counting skill certificates at that level (`held`, by ref) and the types deemed at it
    (`deemed_via`, with the deemed rules in `basis`)."""

    occupation: str
    level: int
    held: tuple[str, ...]
    deemed_via: tuple[str, ...]
    basis: Basis


@dataclass(frozen=True)
class PathFinding:
    rule_id: str
    met: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class EligibleFinding:
    occupation: str
    level: int
    current_level: int | None
    met: bool
    missing: tuple[str, ...]
    paths: tuple[PathFinding, ...]
    basis: Basis


@dataclass(frozen=True)
class OneExamFinding:
    target: str
    occupation: str
    level: int
    local_discretion: bool
    basis: Basis
    # the person already holds a counting certificate of the target (shown greyed)
    already_held: bool = False


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    province: str | None
    # why that province (JURISDICTION_SOURCES), and its special provisions applied
    province_source: str
    provisions: tuple[str, ...]
    target: str | None
    certificates: tuple[CertificateFinding, ...]
    exemptions: tuple[ExemptionFinding, ...]
    deemed_levels: tuple[DeemedFinding, ...]
    standings: tuple[StandingFinding, ...]
    eligible_levels: tuple[EligibleFinding, ...]
    one_exam: tuple[OneExamFinding, ...]


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class _TypeInfo:
    occupation: str | None
    skill: bool


@functools.cache
def _type_info() -> Mapping[str, _TypeInfo]:
    catalog = load_catalog()
    return {
        code: _TypeInfo(t.occupation, t.scheme in SKILL_SCHEMES)
        for code, t in catalog.types.items()
    }


def standing(held: Held, as_of: date) -> tuple[bool, str]:
    """Whether a certificate counts on `as_of` (合法有效), and why not if it does not."""
    if held.issued > as_of:
        return False, STATUS_REASONS["not_issued"]
    if held.status in STATUS_REASONS:
        return False, STATUS_REASONS[held.status] + (f"（{held.reason}）" if held.reason else "")
    if held.valid_until is not None and held.valid_until < as_of:
        return False, f"证书已于{held.valid_until}到期，不是合法有效证书"
    return True, "合法有效，可作为互认依据"


# Where the jurisdiction came from: the exam province the person chose; the one province
# of their counting certificates; none, their counting certificates being from several
# provinces; none, no counting certificate saying where.
JURISDICTION_SOURCES = ("chosen", "certificates", "several", "none")


def jurisdiction(profile: Profile) -> tuple[str | None, str]:
    """The province whose provisions apply, and why (JURISDICTION_SOURCES): the exam
    province if chosen, else the one province of the counting certificates."""
    if profile.province:
        return profile.province, "chosen"
    provinces = {
        h.province for h in profile.certificates if h.province and standing(h, profile.as_of)[0]
    }
    if len(provinces) == 1:
        return provinces.pop(), "certificates"
    return None, "several" if provinces else "none"


def jurisdiction_of(profile: Profile) -> str | None:
    """The province whose provisions apply (`jurisdiction`)."""
    return jurisdiction(profile)[0]


def evaluate(profile: Profile, compiled: Compiled) -> Evaluation:
    as_of = profile.as_of
    findings = []
    counting: list[Held] = []
    for held in profile.certificates:
        counts, reason = standing(held, as_of)
        findings.append(
            CertificateFinding(held.ref, held.type_code, held.level, held.status, counts, reason)
        )
        if counts:
            counting.append(held)
    deemed = _deemed(counting, compiled)
    standings = _standings(counting, deemed, compiled)
    return Evaluation(
        as_of=as_of,
        province=compiled.province,
        province_source=jurisdiction(profile)[1],
        provisions=compiled.provisions,
        target=profile.target,
        certificates=tuple(findings),
        exemptions=_exemptions(counting, profile.target, compiled),
        deemed_levels=_superseded(deemed, standings),
        standings=standings,
        eligible_levels=_eligibility(profile, counting, deemed, compiled),
        one_exam=_one_exam(profile, counting, compiled),
    )


def basis_of(
    rules: Iterable[Rule], *, extra_unconfirmed: bool = False, cache: dict[Any, Basis] | None = None
) -> Basis:
    """The rule ids and citations of a conclusion (cached per compiled policy)."""
    unique = {r.id: r for r in rules}
    key: tuple[Any, ...] = (*sorted(unique), extra_unconfirmed)
    found = cache.get(key) if cache is not None else None
    if found is None:
        ordered = [unique[i] for i in key[:-1]]
        found = Basis(
            rule_ids=tuple(r.id for r in ordered),
            citations=tuple(dict.fromkeys(r.citation for r in ordered)),
            unconfirmed=extra_unconfirmed or all(r.unconfirmed for r in ordered),
        )
        if cache is not None:
            cache[key] = found
    return found


def _exemptions(
    counting: list[Held], target: str | None, compiled: Compiled
) -> tuple[ExemptionFinding, ...]:
    # (target, code) -> contributing held types, rows and rules
    found: dict[tuple[str, str], tuple[set[str], dict[str, bool], list[Rule]]] = {}
    for held in counting:
        for (from_type, to_type), grants in _grants_from(held.type_code, target, compiled):
            for grant in grants:
                via, rows, rules = found.setdefault((to_type, grant.code), (set(), {}, []))
                via.add(from_type)
                rows[grant.row.id] = grant.row.unconfirmed
                rules.append(grant.rule)
    results = []
    held_types = {held.type_code for held in counting}
    for (to_type, code), (via, rows, rules) in sorted(found.items()):
        # Confirmed when one confirmed row rests on one confirmed rule.
        confirmed_row = any(not unconfirmed for unconfirmed in rows.values())
        basis = basis_of(rules, extra_unconfirmed=not confirmed_row, cache=compiled.bases)
        label = EXEMPTION_LABELS[code]
        results.append(
            ExemptionFinding(
                code,
                label,
                to_type,
                tuple(sorted(via)),
                tuple(sorted(rows)),
                basis,
                already_held=to_type in held_types,
            )
        )
    return tuple(results)


def _grants_from(
    held_type: str, target: str | None, compiled: Compiled
) -> Iterable[tuple[tuple[str, str], tuple[ExemptionGrant, ...]]]:
    if target is not None:
        grants = compiled.exemptions.get((held_type, target))
        return [((held_type, target), grants)] if grants else []
    return [(key, g) for key, g in compiled.exemptions.items() if key[0] == held_type]


def _deemed(
    counting: list[Held], compiled: Compiled
) -> list[tuple[DeemedFinding, dict[str, tuple[date, int | None, Rule]]]]:
    """Deemed levels, each with the earliest source certificate per rule (for years after)."""
    grouped: dict[tuple[str, int], dict[str, tuple[date, int | None, Rule]]] = {}
    via: dict[tuple[str, int], set[str]] = {}
    for held in counting:
        for grant in compiled.deemed.get(held.type_code, ()):
            key = (grant.occupation, grant.level)
            sources = grouped.setdefault(key, {})
            earlier = sources.get(grant.rule.id)
            if earlier is None or held.issued < earlier[0]:
                sources[grant.rule.id] = (held.issued, grant.may_apply, grant.rule)
            via.setdefault(key, set()).add(held.type_code)
    return [
        (
            DeemedFinding(
                occupation,
                level,
                tuple(sorted(via[(occupation, level)])),
                basis_of((r for _, _, r in sources.values()), cache=compiled.bases),
            ),
            sources,
        )
        for (occupation, level), sources in sorted(grouped.items())
    ]


def _standings(
    counting: list[Held],
    deemed: list[tuple[DeemedFinding, dict[str, tuple[date, int | None, Rule]]]],
    compiled: Compiled,
) -> tuple[StandingFinding, ...]:
    """Per occupation, the best level held (own skill certificate) or deemed, with
    everything at that level it rests on."""
    info = _type_info()
    best: dict[str, int] = {}
    held_at: dict[tuple[str, int], list[Held]] = {}
    for held in counting:
        t = info.get(held.type_code)
        if t is not None and t.skill and t.occupation and held.level:
            held_at.setdefault((t.occupation, held.level), []).append(held)
            best[t.occupation] = min(best.get(t.occupation, held.level), held.level)
    for finding, _sources in deemed:
        best[finding.occupation] = min(best.get(finding.occupation, finding.level), finding.level)
    results = []
    for occupation, level in sorted(best.items()):
        own = held_at.get((occupation, level), [])
        at_level = [
            (f, sources) for f, sources in deemed if (f.occupation, f.level) == (occupation, level)
        ]
        via = {v for f, _ in at_level for v in f.via}
        rules = [rule for _, sources in at_level for _, _, rule in sources.values()]
        results.append(
            StandingFinding(
                occupation,
                level,
                tuple(h.ref for h in own),
                tuple(sorted(via)),
                basis_of(rules, cache=compiled.bases) if rules else _HELD,
            )
        )
    return tuple(results)


# The basis of a level held by one's own certificate: no rule, nothing unconfirmed.
_HELD = Basis((), (), False)


def _superseded(
    deemed: list[tuple[DeemedFinding, dict[str, tuple[date, int | None, Rule]]]],
    standings: tuple[StandingFinding, ...],
) -> tuple[DeemedFinding, ...]:
    """Deemed levels, each below the best level of its occupation marked with that level."""
    best = {s.occupation: s.level for s in standings}
    return tuple(
        dataclasses.replace(d, superseded_by=best[d.occupation])
        if best[d.occupation] < d.level
        else d
        for d, _ in deemed
    )


@dataclass
class _Ladder:
    """What a person holds in one occupation: level -> earliest date it was held."""

    since: dict[int, date] = field(default_factory=dict)
    notice: dict[int, list[Rule]] = field(default_factory=dict)

    def hold(self, level: int, day: date) -> None:
        for reached in range(level, 6):  # a higher level also satisfies every lower one
            known = self.since.get(reached)
            if known is None or day < known:
                self.since[reached] = day

    @property
    def best(self) -> int | None:
        return min(self.since) if self.since else None


def _ladders(
    profile: Profile,
    counting: list[Held],
    deemed: list[tuple[DeemedFinding, dict[str, tuple[date, int | None, Rule]]]],
    compiled: Compiled,
) -> dict[str, _Ladder]:
    info = _type_info()
    ladders: dict[str, _Ladder] = {}
    for held in counting:
        t = info.get(held.type_code)
        if t is not None and t.skill and t.occupation and held.level:
            ladders.setdefault(t.occupation, _Ladder()).hold(held.level, held.issued)
    for finding, sources in deemed:
        ladder = ladders.setdefault(finding.occupation, _Ladder())
        for issued, may_apply, rule in sources.values():
            ladder.hold(finding.level, issued)
            if may_apply is not None:
                ladder.notice.setdefault(may_apply, []).append(rule)
    wanted = set(profile.experience_years)
    if profile.target:
        target_occupation = info.get(profile.target)
        if target_occupation and target_occupation.occupation:
            wanted.add(target_occupation.occupation)
    for occupation in wanted | {o for h in counting if (o := _occupation(h))}:
        ladders.setdefault(occupation, _Ladder())
    return {o: ladder for o, ladder in ladders.items() if o in compiled.occupations}


def _occupation(held: Held) -> str | None:
    t = _type_info().get(held.type_code)
    return t.occupation if t else None


def _eligibility(
    profile: Profile,
    counting: list[Held],
    deemed: list[tuple[DeemedFinding, dict[str, tuple[date, int | None, Rule]]]],
    compiled: Compiled,
) -> tuple[EligibleFinding, ...]:
    results = []
    for occupation, ladder in sorted(_ladders(profile, counting, deemed, compiled).items()):
        current = ladder.best
        if current == 1:
            continue  # 一级/高级技师: nothing above in this ladder
        level = 5 if current is None else current - 1
        results.append(_next_level(profile, occupation, level, current, ladder, compiled))
        # A higher level may be open directly too (四级 after 6 years in the trade).
        for higher in range(level - 1, 0, -1):
            finding = _next_level(profile, occupation, higher, current, ladder, compiled)
            if not finding.met:
                break
            results.append(finding)
    return tuple(results)


def _next_level(
    profile: Profile,
    occupation: str,
    level: int,
    current: int | None,
    ladder: _Ladder,
    compiled: Compiled,
) -> EligibleFinding:
    checked = [
        (rule, _missing(profile, occupation, rule, ladder))
        for rule in compiled.paths.get((occupation, level), ())
    ]
    paths = [PathFinding(rule.id, not gap, tuple(m for m, _ in gap)) for rule, gap in checked]
    notice_rules = ladder.notice.get(level, [])
    paths.extend(PathFinding(rule.id, True, ()) for rule in notice_rules)
    met_rules = [rule for rule, gap in checked if not gap] + notice_rules
    if met_rules:
        return EligibleFinding(
            occupation,
            level,
            current,
            True,
            (),
            tuple(paths),
            basis_of(met_rules, cache=compiled.bases),
        )
    if not checked:
        return EligibleFinding(
            occupation,
            level,
            current,
            False,
            ("本职业该等级暂无申报条件数据",),
            tuple(paths),
            Basis((), (), True),
        )
    # The path closest to met, by what the paths show (shortfalls rounded up to 0.1 year, in
    # whole tenths), then by rule id: paths that show the same shortfall tie whatever the
    # exact days, so the answer rests on whole tenths of years alone.
    rule, gap = min(checked, key=lambda c: (len(c[1]), sum(s for _, s in c[1]), c[0].id))
    return EligibleFinding(
        occupation,
        level,
        current,
        False,
        tuple(m for m, _ in gap),
        tuple(paths),
        basis_of([rule], cache=compiled.bases),
    )


def _missing(
    profile: Profile, occupation: str, rule: Rule, ladder: _Ladder
) -> list[tuple[str, int]]:
    """What this path still needs: (message, tenths of a year short as shown) pairs; empty
    when met. A missing certificate or schooling weighs more than any wait."""
    gap: list[tuple[str, int]] = []
    worked = float(profile.experience_years.get(occupation, 0))
    if rule.after_level is not None:
        since = ladder.since.get(rule.after_level)
        if since is None:
            gap.append((f"需先取得本职业{_LEVEL_NAMES[rule.after_level]}证书", _NO_CERTIFICATE))
        elif rule.years_after_level:
            held_years = years_between(since, profile.as_of)
            after = min(held_years, worked)
            short = _tenths_short(rule.years_after_level - after)
            if short > 0:
                gap.append((f"需再从事本职业 {_years(short)} 年", short))
    short = _tenths_short(rule.years_in_trade - worked)
    if rule.years_in_trade and short > 0:
        gap.append((f"需再从事本职业 {_years(short)} 年", short))
    if rule.education and not set(rule.education) & set(profile.education):
        gap.append((f"需具有{'、'.join(rule.education)}毕业学历", _NO_SCHOOLING))
    if rule.apprenticeship and not profile.apprenticeship:
        gap.append(("需学徒期满", _NO_SCHOOLING))
    return gap


def years_between(start: date, end: date) -> float:
    """Whole years by anniversary (exact on the anniversary day), plus the fraction since."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    if years < 0:
        return (end - start).days / DAYS_PER_YEAR
    return years + (end - add_years(start, years)).days / DAYS_PER_YEAR


# What a missing certificate or schooling weighs against waits, in tenths of a year: more
# than any wait a policy may set (under 100 years), the certificate more than schooling.
_NO_CERTIFICATE, _NO_SCHOOLING = 20_000, 10_000


def _tenths_short(years: float) -> int:
    """A shortfall as shown, in tenths of a year: rounded up to 0.1 year."""
    return math.ceil(years * 10 - 1e-6)


def _years(tenths: int) -> str:
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


_LEVEL_NAMES = {
    5: "五级/初级工",
    4: "四级/中级工",
    3: "三级/高级工",
    2: "二级/技师",
    1: "一级/高级技师",
}


def _one_exam(
    profile: Profile, counting: list[Held], compiled: Compiled
) -> tuple[OneExamFinding, ...]:
    if profile.target is None:
        return ()
    rules = compiled.one_exam.get(profile.target, ())
    occupation = _type_info().get(profile.target)
    if not rules or occupation is None or occupation.occupation is None:
        return ()
    results = []
    for rule in rules:
        level = rule.awards_level or 5
        results.append(
            OneExamFinding(
                profile.target,
                occupation.occupation,
                level,
                rule.local_discretion,
                basis_of([rule], cache=compiled.bases),
                already_held=any(h.type_code == profile.target for h in counting),
            )
        )
    return tuple(results)


def experience_from_certificates(certificates: Iterable[Held], as_of: date) -> dict[str, float]:
    """Years in each occupation estimated from the earliest certificate in it (not revoked).

    Used where nobody declared experience (registry answers, batch runs): it assumes the
    holder has worked in the trade since first certified."""
    earliest: dict[str, date] = {}
    for held in certificates:
        occupation = _occupation(held)
        if occupation is None or held.status == "revoked" or held.issued > as_of:
            continue
        if occupation not in earliest or held.issued < earliest[occupation]:
            earliest[occupation] = held.issued
    return {o: years_between(d, as_of) for o, d in sorted(earliest.items())}


__all__ = [
    "NATIONAL",
    "Basis",
    "CertificateFinding",
    "DeemedFinding",
    "EligibleFinding",
    "Evaluation",
    "ExemptionFinding",
    "Held",
    "OneExamFinding",
    "PathFinding",
    "Profile",
    "StandingFinding",
    "evaluate",
    "experience_from_certificates",
    "jurisdiction",
    "jurisdiction_of",
    "standing",
    "years_between",
]
