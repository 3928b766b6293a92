"""The batch's memo gives every person exactly the answer evaluated for them alone."""

from __future__ import annotations

import functools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from certbridge.recognition.engine import Held
from certbridge.recognition.memo import Memo, summarize
from certbridge.recognition.policy import load_policy

AS_OF = date(2026, 11, 29)
TYPES = [
    "special_operation:1.1",
    "special_operation:1.2",
    "special_operation:2.1",
    "construction:01",
    "special_equipment:weld_metal",
    "special_equipment:N1",
    "skill_level:6-31-01-03",
    "skill_level:6-18-02-04",
]
MEMO = Memo(load_policy(), AS_OF, None)


@st.composite
def holder(draw: st.DrawFn) -> list[Held]:
    result = []
    for _ in range(draw(st.integers(1, 3))):
        type_code = draw(st.sampled_from(TYPES))
        skill = type_code.startswith("skill")
        issued = AS_OF - timedelta(days=draw(st.integers(-30, 4500)))
        result.append(
            Held(
                type_code,
                draw(st.integers(1, 5)) if skill else None,
                issued,
                None if skill else issued + timedelta(days=draw(st.integers(100, 2500))),
                draw(st.sampled_from(["valid", "valid", "expired", "suspended", "revoked"])),
                province=draw(st.sampled_from(["14", "44"])),
            )
        )
    return result


@settings(max_examples=400, deadline=None)
@given(holder())
def test_a_memoised_answer_equals_the_answer_computed_alone(held: list[Held]) -> None:
    compiled = functools.partial(load_policy().in_force, AS_OF)
    _province, fragment, keys = MEMO.answer(held)
    assert (fragment, keys) == summarize(held, AS_OF, None, compiled)
