"""The batch's memo: answers by what the evaluator can read of a holder. Pure.

Persons whose certificates agree on what the evaluator reads get the same answer, and a
new answer is mostly put together from known parts (docs/recognition.md, "How the batch
is fast"). `summarize` is the reference each memoised answer must equal.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from certbridge.catalog import load_catalog
from certbridge.recognition.engine import (
    SKILL_SCHEMES,
    DeemedFinding,
    EligibleFinding,
    Evaluation,
    ExemptionFinding,
    Held,
    Profile,
    evaluate,
    experience_from_certificates,
    jurisdiction_of,
    standing,
    years_between,
)
from certbridge.recognition.ladders import (
    Entry,
    LadderKey,
    Ladders,
    occupations_with_levels,
    thresholds_reached,
)
from certbridge.recognition.policy import Compiled, Policy

# A certificate row of the batch query: person, type, level, issued, issuing province,
# status code (None: see the replayed codes), certificate id. Dates are whatever the
# driver returns (text on SQLite).
Row = Sequence[Any]
COUNTING = frozenset({"valid", "review_due"})
_PERSON = operator.itemgetter(0)
_MISSING: Any = object()
CODE_SEPARATOR = ";"
# Entry codes (Memo.answer_codes): base + level × LEVEL_WEIGHT + tenths. Tenths of a year
# stay under LEVEL_WEIGHT (the policy allows waits under 100 years), levels 0..5 under a
# type's step, and types' bases under the first trade's.
LEVEL_WEIGHT = 10_000
_TYPE_STEP = 100_000
_TRADE_CODES = 1_000_000_000


def summarize(
    held: list[Held],
    as_of: date,
    target: str | None,
    compiled_for: Callable[[str | None], Compiled],
    province: str | None = None,
) -> tuple[str, list[str]]:
    """One person's answer as a JSON fragment (without the person) and its totals keys,
    in the exam province `province` if chosen. The reference that the memo's composed
    answers must equal (tests say so)."""
    result = _evaluation(held, as_of, target, compiled_for, province)
    exemptions = [_exemption_entry(x) for x in result.exemptions]
    deemed = [_deemed_entry(d) for d in result.deemed_levels]
    eligible = [_eligible_entry(x) for x in result.eligible_levels]
    record = {
        "exemptions": [entry for entry, _ in exemptions],
        "deemed": [entry for entry, _ in deemed],
        "eligible": [entry for entry, _ in eligible],
    }
    keys = [key for _, key in (*exemptions, *deemed, *eligible)]
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))[1:], keys


# One entry of a line and its totals key. An exemption for a certificate already held and
# a deemed level below the best one stay in the line (a new certificate never removes an
# entry), marked, and are counted under keys of their own, so the plain keys count what is
# still to gain.


def _exemption_entry(x: ExemptionFinding) -> tuple[list[object], str]:
    key = f"exemption {x.target} {x.code}" + (" held" if x.already_held else "")
    return [x.target, x.code, list(x.basis.rule_ids), x.already_held], key


def _deemed_entry(d: DeemedFinding) -> tuple[list[object], str]:
    key = f"deemed {d.occupation} {d.level}" + (" superseded" if d.superseded_by else "")
    return [d.occupation, d.level, list(d.basis.rule_ids), d.superseded_by], key


def _eligible_entry(x: EligibleFinding) -> tuple[list[object], str]:
    key = f"eligible {x.occupation} {x.level} {'met' if x.met else 'not_met'}"
    return [x.occupation, x.level, x.met, list(x.missing), list(x.basis.rule_ids)], key


def _evaluation(
    held: list[Held],
    as_of: date,
    target: str | None,
    compiled_for: Callable[[str | None], Compiled],
    province: str | None = None,
) -> Evaluation:
    """One full evaluation; in `province`'s jurisdiction if given, else in the one the
    certificates say (engine.jurisdiction_of)."""
    profile = Profile(
        certificates=tuple(held),
        as_of=as_of,
        experience_years=experience_from_certificates(held, as_of),
        target=target,
        province=province,
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
    tenth of a year held get the same answer, so it is worked out once.

    The evaluator reads dates only through whole tenths of years held (thresholds are in
    tenths, shortfalls are shown rounded up to 0.1 year), and a province only matters when
    the policy has a provision for it.

    A new signature is answered, cheapest first:
    - by its coarse signature (spans rounded down to thresholds), when an earlier one with
      the same coarse signature showed every level met (Ladders.reduced says why);
    - from parts: the exemptions and deemed levels rest only on which types count (and, for
      which deemed levels are superseded, on the levels held), and an
      occupation's next levels only on its reduced ladder keys;
    - by evaluating, when a part is new: certificates made up to have exactly the
      signature are evaluated (`_held_for`), which the tests check against `summarize`.

    Certificates reach the memo as Held (`answer`), as rows (`answer_range`) or as the
    integer entry codes that SQL writes (`answer_codes`)."""

    def __init__(
        self,
        policy: Policy,
        as_of: date,
        target: str | None,
        to_date: Callable[[Any], date] = lambda value: value,
        province: str | None = None,
    ) -> None:
        self.as_of, self.target = as_of, target
        # the exam province chosen for everyone (None: each person's, from their certificates)
        self.chosen = province
        self.provinces = policy.provinces_with_provisions()
        self._compiled = functools.partial(policy.in_force, as_of)
        self.relevant, self.cap = _relevance(policy)
        self._any_bucket = thresholds_reached(policy, None, self.cap)
        catalog = load_catalog()
        self._type_facts: dict[str, tuple[str | None, bool]] = {
            code: (t.occupation, t.scheme in SKILL_SCHEMES) for code, t in catalog.types.items()
        }
        # relevant type -> whether it touches an occupation's levels (so years held count)
        occupations = occupations_with_levels(policy, as_of)
        self._touches = _touches(policy, as_of, self.relevant, occupations)
        # type -> the experience entry of its trade, for types of an occupation with levels
        self._trade_of = {
            code: f"@{occupation}"
            for code, (occupation, _skill) in self._type_facts.items()
            if occupation in occupations
        }
        for occupation in occupations:
            self._type_facts[f"@{occupation}"] = (occupation, False)
        target_occupation = (
            catalog.types[target].occupation
            if target is not None and target in catalog.types
            else None
        )
        self.occupations = occupations
        self._ladders = Ladders(
            policy, as_of, occupations, self._type_facts, target_occupation, self.cap
        )
        self._to_date = to_date
        self._tenths: dict[Any, int] = {}
        self.recent_days = _recent_days(as_of, self.cap)
        # tenths -> a day held that long (the latest), for certificates made up from a key
        self._day_with = {t: day for day, t in reversed(self.recent_days)}
        self._day_with[self.cap] = self.recent_days[-1][0] - timedelta(days=1)
        # "@occupation" -> a type of that trade, to make up a certificate of the trade
        self._type_of_trade: dict[str, str] = {}
        for code, trade in sorted(self._trade_of.items()):
            self._type_of_trade.setdefault(trade, code)
        # entry codes (Memo.answer_codes): type -> base when it counts, trade -> base
        types = sorted(c for c in self._type_facts if not c.startswith("@"))
        trades = sorted(set(self._trade_of.values()))
        if self.cap >= LEVEL_WEIGHT or len(types) >= _TRADE_CODES // _TYPE_STEP - 1:
            raise ValueError("entry codes hold under 1,000 years and under 9,999 types")
        self._code_of_type = {code: (n + 1) * _TYPE_STEP for n, code in enumerate(types)}
        trade_codes = {trade: _TRADE_CODES + n * _TYPE_STEP for n, trade in enumerate(trades)}
        self._code_of_trade = {c: trade_codes[trade] for c, trade in self._trade_of.items()}
        self._code_names: dict[int, tuple[str, bool]] = {
            **{base: (code, True) for code, base in self._code_of_type.items()},
            **{base: (trade, False) for trade, base in trade_codes.items()},
        }
        self._decoded_codes: dict[int, Entry] = {}
        self._by_codes: dict[tuple[str | None, str | None], tuple[bool, int]] = {}
        self._general: dict[tuple[object, ...], tuple[_Part, _Part]] = {}
        # ladder parts: those whose levels are all met by coarse ladder key, the others by
        # refined ladder key (Ladders.reduced)
        self._met: dict[LadderKey, _Part] = {}
        self._unmet: dict[LadderKey, _Part] = {}
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
        province = self.chosen or province
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

        An entry code is `base + level × LEVEL_WEIGHT + tenths`, base being the code of a type (it
        counts) or of a trade (it does not count, and adds years in the trade); 0 stands
        for a counting certificate that grants nothing. The province is the person's only
        if some certificate counts, or the chosen exam province."""
        if self.chosen is not None:
            province = self.chosen
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
        return (province if found[0] or self.chosen else None), found[1]

    def _decoded(self, code: int) -> Entry:
        entry = self._decoded_codes.get(code)
        if entry is None:
            within = code % _TYPE_STEP
            base, level, tenths = code - within, within // LEVEL_WEIGHT, within % LEVEL_WEIGHT
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
            if several:
                province = None
            province = self.chosen or province
            key = self._key(province, signature)
            answer_id = index.get(key)
            if answer_id is None:
                answer_id = self._add_answer(key)
            yield person, province, answer_id

    def _key(self, province: str | None, signature: list[Entry]) -> tuple[object, ...]:
        signature.sort(key=_entry_order)
        return (province if province in self.provinces else None, *signature)

    def _add_answer(self, key: tuple[object, ...]) -> int:
        """The answer id of a new signature. One whose levels are all met shares its answer
        with every signature of the same coarse signature (Ladders.reduced says why), so
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
                (
                    (t, lv, c, bucket[tenths] if tenths >= 0 else tenths)
                    for t, lv, c, tenths in entries
                ),
                key=_entry_order,
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
        # Exemptions and deemed levels rest on the counting types; which deemed levels are
        # superseded, on the levels held too.
        general_key = (province_key, *sorted({(s[0], s[1] or 0) for s in signature if s[2]}))
        general = self._general.get(general_key)
        ladders = [self._ladder(province_key, o, signature) for o in self.occupations]
        if general is None or None in ladders:
            eligible_keys = [
                self._ladders.key(province_key, o, signature) for o in self.occupations
            ]
            self._fill(self._held_for(key), province_key, general_key, eligible_keys)
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

    def _ladder(
        self, province_key: object, occupation: str, signature: tuple[Entry, ...]
    ) -> _Part | None:
        """The part for `occupation`, by the entries that touch it (most signatures share
        them with others), else by its ladder key."""
        touching = self._ladders.touching(province_key, occupation)
        sub = (province_key, occupation, *(e for e in signature if e[0] in touching))
        part = self._by_entries.get(sub)
        if part is None:
            part = self._ladder_part(self._ladders.key(province_key, occupation, signature))
            if part is not None:
                self._by_entries[sub] = part
        return part

    def _ladder_part(self, ladder_key: LadderKey) -> _Part | None:
        coarse, refined = self._ladders.reduced(ladder_key)
        found = self._met.get(coarse)
        return found if found is not None else self._unmet.get(refined)

    def _fill(
        self,
        held: list[Held],
        province_key: object,
        general_key: tuple[object, ...],
        eligible_keys: list[LadderKey],
    ) -> None:
        # The jurisdiction is the key's: the certificate that placed the holder in a
        # province may be one that grants nothing, and so not among those made up.
        province = cast(str | None, province_key)
        result = _evaluation(held, self.as_of, self.target, self._compiled, province)
        exemptions = [_exemption_entry(x) for x in result.exemptions]
        deemed = [_deemed_entry(d) for d in result.deemed_levels]
        self._general[general_key] = (
            _Part(tuple(_json(e) for e, _ in exemptions), tuple(k for _, k in exemptions)),
            _Part(tuple(_json(e) for e, _ in deemed), tuple(k for _, k in deemed)),
        )
        for key in eligible_keys:
            found = [_eligible_entry(x) for x in result.eligible_levels if x.occupation == key[1]]
            part = _Part(
                tuple(_json(e) for e, _ in found),
                tuple(k for _, k in found),
                all(e[2] for e, _ in found),
            )
            coarse, refined = self._ladders.reduced(key)
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


def _entry_order(entry: Entry) -> tuple[str, int, bool, int]:
    """Entries in a fixed order, a missing level first (None does not compare with int:
    one holder may have a type with and without a level, though the registry refuses it)."""
    type_code, level, counts, tenths = entry
    return type_code, level or 0, counts, tenths


def _recent_days(as_of: date, cap: int) -> list[tuple[date, int]]:
    """(day, whole tenths of a year held on the as-of date) from the as-of date back to the
    last day short of `cap`; any earlier day is `cap`."""
    days = []
    day = as_of
    while (tenths := int(years_between(day, as_of) * 10)) < cap:
        days.append((day, tenths))
        day -= timedelta(days=1)
    return days


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
