"""A holder ticket opens to the ID number it sealed, for this server only and for a while."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certbridge.errors import InputError
from certbridge.http.handoff import TICKET_SECONDS, holder_ticket, open_holder_ticket

KEY = b"seal-key-for-tests-only"
NOW = 1_800_000_000.0


@given(st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True), st.integers(0, TICKET_SECONDS))
def test_a_ticket_opens_to_the_id_number_it_sealed_while_fresh(id_number: str, age: int) -> None:
    ticket = holder_ticket(id_number, KEY, now=NOW)
    assert id_number not in ticket
    assert open_holder_ticket(ticket, KEY, now=NOW + age) == id_number


def test_a_ticket_past_its_time_or_from_the_future_is_refused() -> None:
    ticket = holder_ticket("11010519491231002X", KEY, now=NOW)
    for moment in (NOW + TICKET_SECONDS + 1, NOW - 60):
        with pytest.raises(InputError) as refused:
            open_holder_ticket(ticket, KEY, now=moment)
        assert refused.value.code == "holder.ticket"


def test_a_ticket_sealed_under_another_key_is_refused() -> None:
    ticket = holder_ticket("11010519491231002X", b"another-key", now=NOW)
    with pytest.raises(InputError):
        open_holder_ticket(ticket, KEY, now=NOW)


@given(st.text(max_size=300))
def test_any_other_text_is_refused_with_the_rule_never_an_exception(text: str) -> None:
    with pytest.raises(InputError):
        open_holder_ticket(text, KEY, now=NOW)
