"""The batch's memo: answers by what the evaluator can read of a holder. Pure.

Persons whose certificates agree on what the evaluator reads get the same answer, and a
new answer is mostly put together from known parts (docs/recognition.md, "How the batch
is fast"). `summarize` is the reference each memoised answer must equal.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from certbridge.catalog import load_catalog
from certbridge.recognition.engine import (
    SKILL_SCHEMES,
    Evaluation,
    Held,
    Profile,
    evaluate,
    experience_from_certificates,
    jurisdiction_of,
    standing,
    years_between,
)
from certbridge.recognition.policy import Compiled, Policy

# A certificate row of the batch query: person, type, level, issued, issuing province,
# status code (None: see the replayed codes), certificate id. Dates are whatever the
# driver returns (text on SQLite).
Row = Sequence[Any]
COUNTING = frozenset({"valid", "review_due"})
# What the memo keeps of one certificate: type (or "@occupation" for years in a trade),
# level, whether it counts, whole tenths of a year held.
Entry = tuple[str, int | None, bool, int]
_PERSON = operator.itemgetter(0)
# How a type bears on one occupation's ladder: own trade, own skill level, levels it is
# deemed, notices it opens (Memo._facts_for).
_TypeFacts = tuple[bool, bool, tuple[int, ...], tuple[tuple[int, str], ...]]
_UNRELATED: _TypeFacts = (False, False, (), ())
_NO_LEVELS: dict[str, _TypeFacts] = {}
_MISSING: Any = object()
CODE_SEPARATOR = ";"
_TRADE_CODES = 1_000_000  # entry codes from here on are trades' (Memo.answer_codes)
# Where a ladder key (Memo._ladder_key) keeps the tenths since each level, and the years
# in the trade.
_SINCE, _EXPERIENCE = 3, 9


def summarize(
    held: list[Held],
    as_of: date,
    target: str | None,
    compiled_for: Callable[[str | None], Compiled],
) -> tuple[str, list[str]]:
    """One person's answer as a JSON fragment (without the person) and its totals keys.
    The reference that the memo's composed answers must equal (tests say so)."""
    result = _evaluation(held, as_of, target, compiled_for)
    record = {
        "exemptions": [[x.target, x.code, list(x.basis.rule_ids)] for x in result.exemptions],
        "deemed": [[d.occupation, d.level, list(d.basis.rule_ids)] for d in result.deemed_levels],
        "eligible": [
            [x.occupation, x.level, x.met, list(x.missing), list(x.basis.rule_ids)]
            for x in result.eligible_levels
        ],
    }
    keys = [f"exemption {x.target} {x.code}" for x in result.exemptions]
    keys.extend(f"deemed {d.occupation} {d.level}" for d in result.deemed_levels)
    keys.extend(
        f"eligible {x.occupation} {x.level} {'met' if x.met else 'not_met'}"
        for x in result.eligible_levels
    )
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))[1:], keys


def _evaluation(
    held: list[Held],
    as_of: date,
    target: str | None,
    compiled_for: Callable[[str | None], Compiled],
) -> Evaluation:
    profile = Profile(
        certificates=tuple(held),
        as_of=as_of,
        experience_years=experience_from_certificates(held, as_of),
        target=target,
    )
    return evaluate(profile, compiled_for(jurisdiction_of(profile)))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class _Part:
    """Entries of one part of an answer: each entry's JSON and its totals key."""

    items: tuple[str, ...]
    keys: tuple[str, ...]
    met: bool = True  # a ladder part: every level it shows is met


class Memo:
    """Answers by signature: persons whose certificates agree on type, level, standing and
    tenth of a year held get the same answer, so it is computed once.

    The evaluator reads dates only through whole tenths of years held (thresholds are whole
    years, shortfalls are shown rounded up to 0.1 year), and a province only matters when
    the policy has a provision for it. Tenths are memoised by the raw column value.

    A new signature is mostly made of known parts: the exemptions and deemed levels rest
    only on which certificates count, and the next levels of an occupation only on the
    certificates that touch it (its own, and those deemed into it). So an answer is put
    together from parts, and the person is evaluated only when a part is new."""

    def __init__(
        self,
        policy: Policy,
        as_of: date,
        target: str | None,
        to_date: Callable[[Any], date] = lambda value: value,
    ) -> None:
        self.as_of, self.target = as_of, target
        self.provinces = policy.provinces_with_provisions()
        self._compiled = functools.partial(policy.in_force, as_of)
        self.relevant, self.cap = _relevance(policy)
        self.occupations = _occupations(policy, as_of)
        self._caps = {o: _waits(policy, o) for o in self.occupations}
        self._buckets = {o: _buckets(policy, o, self.cap) for o in self.occupations}
        self._any_bucket = _buckets(policy, None, self.cap)
        catalog = load_catalog()
        self._type_facts: dict[str, tuple[str | None, bool]] = {
            code: (t.occupation, t.scheme in SKILL_SCHEMES) for code, t in catalog.types.items()
        }
        # relevant type -> whether it touches an occupation's levels (so years held count)
        self._touches = _touches(policy, as_of, self.relevant, self.occupations)
        # type -> the experience entry of its trade, for types of an occupation with levels
        self._trade_of = {
            code: f"@{occupation}"
            for code, (occupation, _skill) in self._type_facts.items()
            if occupation in self.occupations
        }
        for occupation in self.occupations:
            self._type_facts[f"@{occupation}"] = (occupation, False)
        self._target_occupation = (
            catalog.types[target].occupation
            if target is not None and target in catalog.types
            else None
        )
        self._to_date = to_date
        self._tenths: dict[Any, int] = {}
        self.recent_days = _recent_days(as_of, self.cap)
        # tenths -> a day held that long (the latest), for certificates made up from a key
        self._day_with = {t: day for day, t in reversed(self.recent_days)}
        self._day_with[self.cap] = self.recent_days[-1][0] - timedelta(days=1)
        # "@occupation" -> a type of that trade
        self._type_of_trade = {
            trade: code for code, trade in sorted(self._trade_of.items(), reverse=True)
        }
        # entry codes (Memo.answer_codes): type -> base when it counts, trade -> base
        types = sorted(c for c in self._type_facts if not c.startswith("@"))
        trades = sorted(set(self._trade_of.values()))
        if self.cap >= 100 or len(types) >= _TRADE_CODES // 1000:
            raise ValueError("entry codes need tenths under 100 and under 1,000 types")
        self._code_of_type = {code: (n + 1) * 1000 for n, code in enumerate(types)}
        trade_codes = {trade: _TRADE_CODES + n * 1000 for n, trade in enumerate(trades)}
        self._code_of_trade = {c: trade_codes[trade] for c, trade in self._trade_of.items()}
        self._code_names: dict[int, tuple[str, bool]] = {
            **{base: (code, True) for code, base in self._code_of_type.items()},
            **{base: (trade, False) for trade, base in trade_codes.items()},
        }
        self._decoded_codes: dict[int, Entry] = {}
        self._by_codes: dict[tuple[str | None, str | None], tuple[bool, int]] = {}
        self._general: dict[tuple[object, ...], tuple[_Part, _Part]] = {}
        # ladder parts: those whose levels are all met by coarse ladder key, the others by
        # refined ladder key (Memo._coarse, Memo._refined)
        self._met: dict[tuple[object, ...], _Part] = {}
        self._unmet: dict[tuple[object, ...], _Part] = {}
        self._reads: dict[tuple[object, str, int], tuple[frozenset[int], frozenset[int]]] = {}
        self._ladder_facts: dict[tuple[object, str], dict[str, _TypeFacts]] = {}
        self._touching: dict[tuple[object, str], frozenset[str]] = {}
        # (province, occupation, entries that touch it) -> its part
        self._by_entries: dict[tuple[object, ...], _Part] = {}
        self._ids: dict[str, int] = {}  # answer fragment -> answer id
        # coarse signature -> the answer id of its signatures, when their levels are all met
        self._met_answers: dict[tuple[object, ...], int] = {}
        # certificate shape -> entry (the row path); signature -> answer id -> answer
        self._entries: dict[tuple[Any, ...], Entry | None] = {}
        self._index: dict[tuple[object, ...], int] = {}
        self.by_id: list[tuple[str, list[str]]] = []

    def answer(self, held: list[Held]) -> tuple[str | None, str, list[str]]:
        """The answer for certificates already seen as Held (the reference path)."""
        signature: list[Entry] = []
        provinces: set[str] = set()
        for h in held:
            counts = standing(h, self.as_of)[0]
            if counts and h.province:
                provinces.add(h.province)
            entry = self._entry(h.type_code, h.level, counts, h.status == "revoked", h.issued)
            if entry is not None:
                signature.append(entry)
        province = provinces.pop() if len(provinces) == 1 else None
        key = self._key(province, signature)
        answer_id = self._index.get(key)
        if answer_id is None:
            answer_id = self._add_answer(key)
        fragment, keys = self.by_id[answer_id]
        return province, fragment, keys

    def type_table(self) -> list[tuple[str, int | None, int, int | None]]:
        """Per catalog type, how SQL writes a certificate's entry code (Memo.answer_codes):
        whether years held matter when it counts (1, 0; None: it grants nothing), the code
        of the type when it counts, and the code of the trade it adds years to when it does
        not (None: no trade with levels)."""
        return [
            (code, None if touches is None else int(touches), base, self._code_of_trade.get(code))
            for code, base in self._code_of_type.items()
            for touches in [self._touches.get(code)]
        ]

    def answer_codes(self, province: str | None, codes: str | None) -> tuple[str | None, int]:
        """The person's province and answer id from the entry codes of their certificates
        (CODE_SEPARATOR-joined, any order) and the province all of them were issued in.

        An entry code is `base + level × 100 + tenths`, base being the code of a type (it
        counts) or of a trade (it does not count, and adds years in the trade); 0 stands
        for a counting certificate that grants nothing. The province is the person's only
        if some certificate counts."""
        key = (province if province in self.provinces else None, codes)
        found = self._by_codes.get(key)
        if found is None:
            counting, signature = False, []
            for code in map(int, codes.split(CODE_SEPARATOR)) if codes else ():
                counting = counting or code < _TRADE_CODES
                if code:
                    signature.append(self._decoded(code))
            answer_id = self._index.get(signature_key := self._key(key[0], signature))
            if answer_id is None:
                answer_id = self._add_answer(signature_key)
            found = self._by_codes[key] = (counting, answer_id)
        return (province if found[0] else None), found[1]

    def _decoded(self, code: int) -> Entry:
        entry = self._decoded_codes.get(code)
        if entry is None:
            base, level, tenths = code - code % 1000, code % 1000 // 100, code % 100
            name, counts = self._code_names[base]
            entry = self._decoded_codes[code] = (name, level or None, counts, tenths)
        return entry

    def answer_range(
        self, rows: list[Row], replayed: Mapping[int, str]
    ) -> Iterator[tuple[int, str | None, int]]:
        """(person, province, answer id) for each person of a range's rows, straight from
        the rows; the answer is `self.by_id[id]`. Held objects are only built for a new
        signature, and each distinct certificate shape is read once (`_entries`)."""
        entries, index, missing = self._entries, self._index, _MISSING
        for person, group in itertools.groupby(rows, key=_PERSON):
            certificates = list(group)
            signature = []
            province: str | None = None
            several = False
            for _person, type_code, level, issued, where, code, cid in certificates:
                if code is None:
                    code = replayed[cid]
                shape = (type_code, level, code, issued)
                entry = entries.get(shape, missing)
                if entry is missing:
                    counts, revoked = code in COUNTING, code == "revoked"
                    entry = entries[shape] = self._entry(type_code, level, counts, revoked, issued)
                if entry is not None:
                    signature.append(entry)
                if where and code in COUNTING:
                    several = several or (province is not None and where != province)
                    province = where
            key = self._key(None if several else province, signature)
            answer_id = index.get(key)
            if answer_id is None:
                answer_id = self._add_answer(key)
            yield person, None if several else province, answer_id

    def _key(self, province: str | None, signature: list[Entry]) -> tuple[object, ...]:
        signature.sort()
        return (province if province in self.provinces else None, *signature)

    def _add_answer(self, key: tuple[object, ...]) -> int:
        """The answer id of a new signature. One whose levels are all met shares its answer
        with every signature of the same coarse signature (Memo._reduced says why), so
        most new signatures are answered without composing."""
        coarse = self._coarse_signature(key)
        answer_id = self._met_answers.get(coarse)
        if answer_id is None:
            fragment, keys, met = self._compose(key)
            answer_id = self._ids.get(fragment)
            if answer_id is None:
                answer_id = self._ids[fragment] = len(self.by_id)
                self.by_id.append((fragment, keys))
            if met:
                self._met_answers[coarse] = answer_id
        self._index[key] = answer_id
        return answer_id

    def _coarse_signature(self, key: tuple[object, ...]) -> tuple[object, ...]:
        """The signature with each span rounded down to a threshold some rule sets."""
        bucket = self._any_bucket
        entries = cast(tuple[Entry, ...], key[1:])
        return (
            key[0],
            *sorted(
                (t, lv, c, bucket[tenths] if tenths >= 0 else tenths)
                for t, lv, c, tenths in entries
            ),
        )

    def _held_for(self, key: tuple[object, ...]) -> list[Held]:
        """Certificates that have exactly this signature: any holder of them gets the answer
        of every holder with it (the premise the tests check against `summarize`)."""
        province = cast(str | None, key[0])
        held = []
        for type_code, level, counts, tenths in cast(tuple[Entry, ...], key[1:]):
            issued = self._day_with[tenths]
            if counts:
                held.append(Held(type_code, level, issued, None, "valid", province=province))
            else:  # years in a trade, from a certificate that no longer counts
                held.append(Held(self._type_of_trade[type_code], None, issued, None, "expired"))
        return held

    def _entry(
        self, type_code: str, level: int | None, counts: bool, revoked: bool, issued: Any
    ) -> Entry | None:
        """What the answer can read of one certificate. A counting certificate grants by its
        type and level, and by the years held if it touches an occupation's levels; one that
        does not count only adds years in its own trade, unless revoked."""
        if counts:
            touches = self._touches.get(type_code)
            if touches is None:
                return None
            return (type_code, level, True, self.tenths(issued) if touches else 0)
        trade = self._trade_of.get(type_code)
        if revoked or trade is None or (tenths := self.tenths(issued)) < 0:
            return None
        return (trade, None, False, tenths)

    def _compose(self, key: tuple[object, ...]) -> tuple[str, list[str], bool]:
        """The answer for a signature from its parts (evaluating only if a part is new), and
        whether every level it shows is met."""
        province_key, signature = key[0], cast(tuple[Entry, ...], key[1:])
        general_key = (province_key, *sorted({s[0] for s in signature if s[2]}))
        general = self._general.get(general_key)
        ladders = [self._ladder(province_key, o, signature) for o in self.occupations]
        if general is None or None in ladders:
            eligible_keys = [self._ladder_key(province_key, o, signature) for o in self.occupations]
            self._fill(self._held_for(key), general_key, eligible_keys)
            general = self._general[general_key]
            ladders = [self._ladder(province_key, o, signature) for o in self.occupations]
        exemptions, deemed = general
        eligible = [part for part in ladders if part is not None]

        fragment = (
            f'"exemptions":[{",".join(exemptions.items)}],'
            f'"deemed":[{",".join(deemed.items)}],'
            f'"eligible":[{",".join(i for part in eligible for i in part.items)}]}}'
        )
        keys = [*exemptions.keys, *deemed.keys, *(k for part in eligible for k in part.keys)]
        return fragment, keys, all(part.met for part in eligible)

    def _ladder_key(
        self, province_key: object, occupation: str, signature: tuple[Any, ...]
    ) -> tuple[object, ...]:
        """All that the next levels of `occupation` rest on, in whole tenths of a year: the
        levels held (own skill certificates and deemed ones, each since when), the notices
        that open a level, and the years in the trade (engine._ladders, _missing)."""
        facts = self._facts((province_key, occupation))
        if facts is _NO_LEVELS:
            return (province_key, occupation, False)
        since = [-2] * 6  # per level, the most tenths it has been held (-2: never)
        notices: set[tuple[int, str]] = set()
        experience = -2
        appears = occupation == self._target_occupation
        for type_code, level, counts, tenths in signature:
            own, skill, deemed, opens = facts.get(type_code, _UNRELATED)
            if own and tenths >= 0:
                experience, appears = max(experience, tenths), True
            if not counts or not (own or deemed):
                continue
            appears = True
            notices.update(opens)
            for held_level in (level, *deemed) if skill and level else deemed:
                for reached in range(held_level, 6):
                    if since[reached] < tenths:
                        since[reached] = tenths
        if not appears:
            return (province_key, occupation, False)
        # A level's wait counts only the years also worked in the trade (engine._missing),
        # and past the longest wait a rule sets, more years change no answer.
        caps, experience_cap = self._caps[occupation]
        worked = max(experience, 0)
        since = [
            min(held, worked, cap) if held >= 0 else held
            for held, cap in zip(since, caps, strict=True)
        ]
        experience = min(experience, experience_cap)
        return (province_key, occupation, True, *since, experience, *sorted(notices))

    def _ladder(
        self, province_key: object, occupation: str, signature: tuple[Entry, ...]
    ) -> _Part | None:
        """The part for `occupation`, by the entries that touch it (most signatures share
        them with others), else by its ladder key."""
        touching = self._touching.get((province_key, occupation))
        if touching is None:
            facts = self._facts((province_key, occupation))
            touching = self._touching[(province_key, occupation)] = frozenset(
                code for code, fact in facts.items() if fact != _UNRELATED
            )
        sub = (province_key, occupation, *(e for e in signature if e[0] in touching))
        part = self._by_entries.get(sub)
        if part is None:
            part = self._ladder_part(self._ladder_key(province_key, occupation, signature))
            if part is not None:
                self._by_entries[sub] = part
        return part

    def _facts(self, where: tuple[object, str]) -> dict[str, _TypeFacts]:
        facts = self._ladder_facts.get(where)
        if facts is None:
            facts = self._ladder_facts[where] = self._facts_for(
                cast(str | None, where[0]), where[1]
            )
        return facts

    def _ladder_part(self, ladder_key: tuple[object, ...]) -> _Part | None:
        if len(ladder_key) <= _SINCE:  # an occupation off the person's ladders
            return self._met.get(ladder_key)
        coarse, refined = self._reduced(ladder_key)
        found = self._met.get(coarse)
        return found if found is not None else self._unmet.get(refined)

    def _reduced(self, ladder_key: tuple[object, ...]) -> tuple[tuple[object, ...], ...]:
        """Two keys holding only what the answer reads (engine._eligibility): the next level
        is shown, met or with what it still needs, and the levels above it only while met.

        Coarse: each span that a path to the next level or above compares, rounded down to
        a threshold some rule sets, so every comparison comes out as before; any other span
        only as held or not. Refined: the same, but the spans the next level's own paths
        read are exact, since what it still needs is worked out from them. Met levels rest
        on comparisons only, so a part whose levels are all met holds for its coarse key."""
        since = cast(tuple[int, ...], ladder_key[_SINCE:_EXPERIENCE])
        held = [level for level in range(1, 6) if since[level] >= 0]
        next_level = held[0] - 1 if held else 5
        province, occupation = ladder_key[0], cast(str, ladder_key[1])
        reads = self._reads.get((province, occupation, next_level))
        if reads is None:
            reads = self._reads[(province, occupation, next_level)] = _spans_read(
                self._compiled(cast(str | None, province)), occupation, next_level
            )
        exact, compared = reads
        buckets = self._buckets[occupation]
        coarse, refined = list(ladder_key), list(ladder_key)
        for index in range(_SINCE, _EXPERIENCE + 1):
            value = cast(int, ladder_key[index])
            if value < 0:
                continue
            if index in compared:
                coarse[index] = buckets[value]
                if index not in exact:
                    refined[index] = coarse[index]
            else:
                coarse[index] = refined[index] = 0
        return tuple(coarse), tuple(refined)

    def _facts_for(self, province: str | None, occupation: str) -> dict[str, _TypeFacts]:
        """Per type, how it bears on `occupation`'s ladder in this jurisdiction: its own
        trade, a skill level of it, levels it is deemed, notices it opens."""
        compiled = self._compiled(province)
        if occupation not in compiled.occupations:
            return _NO_LEVELS
        facts = {}
        for type_code, (own, skill) in self._type_facts.items():
            grants = [g for g in compiled.deemed.get(type_code, ()) if g.occupation == occupation]
            facts[type_code] = (
                own == occupation,
                own == occupation and skill,
                tuple(g.level for g in grants),
                tuple((g.may_apply, g.rule.id) for g in grants if g.may_apply is not None),
            )
        return facts

    def _fill(
        self,
        held: list[Held],
        general_key: tuple[object, ...],
        eligible_keys: list[tuple[object, ...]],
    ) -> None:
        result = _evaluation(held, self.as_of, self.target, self._compiled)
        self._general[general_key] = (
            _Part(
                tuple(_json([x.target, x.code, list(x.basis.rule_ids)]) for x in result.exemptions),
                tuple(f"exemption {x.target} {x.code}" for x in result.exemptions),
            ),
            _Part(
                tuple(
                    _json([d.occupation, d.level, list(d.basis.rule_ids)])
                    for d in result.deemed_levels
                ),
                tuple(f"deemed {d.occupation} {d.level}" for d in result.deemed_levels),
            ),
        )
        for key in eligible_keys:
            found = [x for x in result.eligible_levels if x.occupation == key[1]]
            part = _Part(
                tuple(
                    _json([x.occupation, x.level, x.met, list(x.missing), list(x.basis.rule_ids)])
                    for x in found
                ),
                tuple(
                    f"eligible {x.occupation} {x.level} {'met' if x.met else 'not_met'}"
                    for x in found
                ),
                all(x.met for x in found),
            )
            if len(key) <= _SINCE:
                self._met[key] = part
                continue
            coarse, refined = self._reduced(key)
            if part.met:
                self._met[coarse] = part
            else:
                self._unmet[refined] = part

    def tenths(self, issued: Any) -> int:
        """Whole tenths of a year held on the as-of date (capped; -1 before issue)."""
        found = self._tenths.get(issued)
        if found is None:
            day = self._to_date(issued)
            found = (
                min(int(years_between(day, self.as_of) * 10), self.cap) if day <= self.as_of else -1
            )
            self._tenths[issued] = found
        return found


def _recent_days(as_of: date, cap: int) -> list[tuple[date, int]]:
    """(day, whole tenths of a year held on the as-of date) from the as-of date back to the
    last day short of `cap`; any earlier day is `cap`."""
    days = []
    day = as_of
    while (tenths := int(years_between(day, as_of) * 10)) < cap:
        days.append((day, tenths))
        day -= timedelta(days=1)
    return days


def _occupations(policy: Policy, as_of: date) -> tuple[str, ...]:
    """The occupations that have levels to apply for, in any jurisdiction."""
    provinces = (None, *sorted(policy.provinces_with_provisions()))
    return tuple(sorted({o for p in provinces for o in policy.in_force(as_of, p).occupations}))


def _touches(
    policy: Policy, as_of: date, relevant: frozenset[str], occupations: tuple[str, ...]
) -> dict[str, bool]:
    """For each relevant type, whether it can change an occupation's next levels: as its
    own trade, or by being deemed into it (in any jurisdiction)."""
    catalog = load_catalog()
    provinces = (None, *sorted(policy.provinces_with_provisions()))
    variants = [policy.in_force(as_of, province) for province in provinces]
    touches = {}
    for type_code in relevant:
        own = catalog.types[type_code].occupation if type_code in catalog.types else None
        deemed = [g.occupation for c in variants for g in c.deemed.get(type_code, ())]
        touches[type_code] = any(o in occupations for o in (own, *deemed))
    return touches


def _waits(policy: Policy, occupation: str) -> tuple[list[int], int]:
    """In tenths of a year, per level the longest a rule makes one wait after holding it,
    and the longest any rule asks in the trade."""
    rules = [r for r in policy.rules.values() if occupation in r.occupations]
    per_level = [0] * 6
    for rule in rules:
        if rule.after_level is not None:
            wait = math.ceil(rule.years_after_level * 10)
            per_level[rule.after_level] = max(per_level[rule.after_level], wait)
    years = [max(r.years_after_level, r.years_in_trade) for r in rules]
    return per_level, math.ceil(max(years, default=0) * 10)


def _spans_read(
    compiled: Compiled, occupation: str, level: int
) -> tuple[frozenset[int], frozenset[int]]:
    """Positions in a ladder key (Memo._ladder_key) of the spans compared by the paths to
    `level`, and by the paths to it and every level above: the years since each level
    they build on, and the years in the trade."""

    def read_by(target: int) -> set[int]:
        positions = set()
        for rule in compiled.paths.get((occupation, target), ()):
            if rule.after_level is not None and rule.years_after_level:
                positions.add(_SINCE + rule.after_level)
            if rule.years_in_trade:
                positions.add(_EXPERIENCE)
        return positions

    above = set().union(*(read_by(target) for target in range(1, level + 1)))
    return frozenset(read_by(level)), frozenset(above)


def _buckets(policy: Policy, occupation: str | None, cap: int) -> list[int]:
    """For each span 0..cap in tenths of a year, the longest threshold of the occupation's
    rules (of any occupation's, if None), after a level or in the trade, that it reaches."""
    thresholds = {0}
    for rule in policy.rules.values():
        if occupation in rule.occupations or (occupation is None and rule.occupations):
            thresholds.add(math.ceil(rule.years_after_level * 10))
            thresholds.add(math.ceil(rule.years_in_trade * 10))
    return [max(t for t in thresholds if t <= span) for span in range(cap + 1)]


def _relevance(policy: Policy) -> tuple[frozenset[str], int]:
    """Types the evaluator can read, and the tenths of a year past which age no longer matters
    (every year threshold of the policy is met)."""
    catalog = load_catalog()
    occupations = {o for r in policy.rules.values() for o in r.occupations}
    types = {c for c, t in catalog.types.items() if t.occupation in occupations}
    for rule in policy.rules.values():
        types.update(rule.holding, rule.targets)
    for row in policy.rows:
        types.update(row.from_types)
        types.add(row.to_type)
    years = [max(r.years_after_level, r.years_in_trade) for r in policy.rules.values()]
    return frozenset(types), int(max(years, default=0) * 10) + 1
