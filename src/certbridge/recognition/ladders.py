"""Ladder keys: all that the next levels of one occupation rest on, in whole tenths of a
year, and the reduced keys under which their answers are shared. Pure.

The batch's memo (recognition.memo) answers a person's next levels per occupation from
these keys instead of evaluating the person; docs/recognition.md says why that is exact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from datetime import date
from typing import cast

from certbridge.recognition.policy import Compiled, Policy

# What the memo keeps of one certificate: type (or "@occupation" for years in a trade),
# level, whether it counts, whole tenths of a year held.
Entry = tuple[str, int | None, bool, int]
LadderKey = tuple[object, ...]
# How a type bears on one occupation's ladder: own trade, own skill level, levels it is
# deemed, notices it opens (Ladders._facts_for).
_TypeFacts = tuple[bool, bool, tuple[int, ...], tuple[tuple[int, str], ...]]
_UNRELATED: _TypeFacts = (False, False, (), ())
_NO_LEVELS: dict[str, _TypeFacts] = {}
# Where a ladder key keeps the tenths since each level (index 0 unused), and the years in
# the trade; what follows is the notices.
_SINCE, _EXPERIENCE = 3, 9


class Ladders:
    """Ladder keys of one policy on one date.

    A key is (province, occupation, False) for an occupation off the person's ladders, else
    (province, occupation, True, tenths since each level 0..5, tenths in the trade,
    *notices): the levels held (own skill certificates and deemed ones), the notices
    that open a level, and the years in the trade (engine._ladders, engine._missing)."""

    def __init__(
        self,
        policy: Policy,
        as_of: date,
        occupations: tuple[str, ...],
        type_facts: Mapping[str, tuple[str | None, bool]],
        target_occupation: str | None,
        cap: int,
    ) -> None:
        self.occupations = occupations  # with levels to apply for (occupations_with_levels)
        self._compiled = functools.partial(policy.in_force, as_of)
        self._type_facts = type_facts
        self._target_occupation = target_occupation
        self._caps = {o: _waits(policy, o) for o in self.occupations}
        self._buckets = {o: thresholds_reached(policy, o, cap) for o in self.occupations}
        self._facts: dict[tuple[object, str], dict[str, _TypeFacts]] = {}
        self._touching: dict[tuple[object, str], frozenset[str]] = {}
        self._reads: dict[tuple[object, str, int], tuple[frozenset[int], frozenset[int]]] = {}

    def key(self, province: object, occupation: str, signature: tuple[Entry, ...]) -> LadderKey:
        facts = self._facts_of(province, occupation)
        if facts is _NO_LEVELS:
            return (province, occupation, False)
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
            return (province, occupation, False)
        # A level's wait counts only the years also worked in the trade (engine._missing),
        # and past the longest wait a rule sets, more years change no answer.
        caps, experience_cap = self._caps[occupation]
        worked = max(experience, 0)
        since = [
            min(held, worked, cap) if held >= 0 else held
            for held, cap in zip(since, caps, strict=True)
        ]
        experience = min(experience, experience_cap)
        return (province, occupation, True, *since, experience, *sorted(notices))

    def touching(self, province: object, occupation: str) -> frozenset[str]:
        """The types (and "@occupation" trades) that can change the key of `occupation`."""
        found = self._touching.get((province, occupation))
        if found is None:
            facts = self._facts_of(province, occupation)
            found = self._touching[(province, occupation)] = frozenset(
                code for code, fact in facts.items() if fact != _UNRELATED
            )
        return found

    def reduced(self, key: LadderKey) -> tuple[LadderKey, LadderKey]:
        """Two keys holding only what the answer reads (engine._eligibility): the next level
        is shown, met or with what it still needs, and the levels above it only while met.

        Coarse: each span that a path to the next level or above compares, rounded down to
        a threshold some rule sets, so every comparison comes out as before; any other span
        only as held or not. Refined: the same, but the spans the next level's own paths
        read are exact, since what it still needs is worked out from them. Met levels rest
        on comparisons only, so a part whose levels are all met holds for its coarse key."""
        if len(key) <= _SINCE:
            return key, key
        since = cast(tuple[int, ...], key[_SINCE:_EXPERIENCE])
        held = [level for level in range(1, 6) if since[level] >= 0]
        next_level = held[0] - 1 if held else 5
        province, occupation = key[0], cast(str, key[1])
        reads = self._reads.get((province, occupation, next_level))
        if reads is None:
            reads = self._reads[(province, occupation, next_level)] = _spans_read(
                self._compiled(cast(str | None, province)), occupation, next_level
            )
        exact, compared = reads
        buckets = self._buckets[occupation]
        coarse, refined = list(key), list(key)
        for index in range(_SINCE, _EXPERIENCE + 1):
            value = cast(int, key[index])
            if value < 0:
                continue
            if index in compared:
                coarse[index] = buckets[value]
                if index not in exact:
                    refined[index] = coarse[index]
            else:
                coarse[index] = refined[index] = 0
        return tuple(coarse), tuple(refined)

    def _facts_of(self, province: object, occupation: str) -> dict[str, _TypeFacts]:
        found = self._facts.get((province, occupation))
        if found is None:
            found = self._facts[(province, occupation)] = self._facts_for(
                self._compiled(cast(str | None, province)), occupation
            )
        return found

    def _facts_for(self, compiled: Compiled, occupation: str) -> dict[str, _TypeFacts]:
        """Per type, how it bears on `occupation`'s ladder in this jurisdiction: its own
        trade, a skill level of it, levels it is deemed, notices it opens."""
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


def occupations_with_levels(policy: Policy, as_of: date) -> tuple[str, ...]:
    """The occupations that have levels to apply for, in any jurisdiction."""
    provinces = (None, *sorted(policy.provinces_with_provisions()))
    return tuple(sorted({o for p in provinces for o in policy.in_force(as_of, p).occupations}))


def thresholds_reached(policy: Policy, occupation: str | None, cap: int) -> list[int]:
    """For each span 0..cap in tenths of a year, the longest threshold of the occupation's
    rules (of any occupation's, if None), after a level or in the trade, that it reaches."""
    thresholds = {0}
    for rule in policy.rules.values():
        if occupation in rule.occupations or (occupation is None and rule.occupations):
            thresholds.add(math.ceil(rule.years_after_level * 10))
            thresholds.add(math.ceil(rule.years_in_trade * 10))
    return [max(t for t in thresholds if t <= span) for span in range(cap + 1)]


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
    """Positions in a ladder key of the spans compared by the paths to `level`, and by
    the paths to it and every level above: the years since each level they build on, and
    the years in the trade."""

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


__all__ = ["Entry", "LadderKey", "Ladders", "occupations_with_levels", "thresholds_reached"]
