"""A certificate's status on a date, from its scheme's rules and its event log. Pure.

Two things decide it and never mix: the validity in force (the printed date, moved by the
reviews made up to that date) and the standing (暂扣, 撤销/吊销, 注销). A change of standing
never moves the validity: a suspended card still shows the date its last review gave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from certbridge.catalog import StatusWords, ValidityRule, settle_reviews, state_on, validity_on
from certbridge.catalog.validity import ValidityState

StatusCode = Literal[
    "valid", "review_due", "expired", "suspended", "revoked", "cancelled", "not_issued"
]

# Labels when the scheme's words are not given; the scheme's own words come from the
# catalog (StatusWords) and the word recorded with the event.
STATUS_LABELS: dict[str, str] = {
    "valid": "有效",
    "review_due": "待复审",
    "expired": "已失效",
    "suspended": "暂停",
    "revoked": "撤销",
    "cancelled": "注销",
    "not_issued": "尚未发证",
}

# Event kinds that change the standing, and the standing each leaves.
STANDING_AFTER = {
    "suspended": "suspended",
    "reinstated": "active",
    "revoked": "revoked",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Event:
    kind: str
    effective_on: date
    reason: str = ""
    word: str = ""  # the department's word for a change of standing (暂扣, 吊销 …)


@dataclass(frozen=True)
class Status:
    code: StatusCode
    label: str
    reason: str
    due_date: date | None
    valid_until: date | None

    @property
    def counts(self) -> bool:
        """Whether the certificate is in force (合法有效) on that date."""
        return self.code in ("valid", "review_due")


def _standing(events: Sequence[Event]) -> Event | None:
    """The suspension, revocation or cancellation in force after these events (in date
    order), if any. A revocation ends the certificate (only a cancellation may follow it,
    注销 after 撤销); a cancellation ends its record."""
    standing: Event | None = None
    for event in events:
        if standing is not None and standing.kind == "cancelled":
            break
        if event.kind == "cancelled":
            standing = event
        elif standing is not None and standing.kind == "revoked":
            continue
        elif event.kind in ("revoked", "suspended"):
            standing = event
        elif event.kind == "reinstated":
            standing = None
    return standing


Standing = Literal["active", "suspended", "revoked", "cancelled"]


def standing_after(events: Sequence[Event]) -> Standing:
    """The standing once every one of these events has taken effect."""
    event = _standing(sorted(events, key=lambda e: e.effective_on))
    return _standing_code(event)


def standing_on(events: Sequence[Event], as_of: date) -> Standing:
    """The standing on `as_of`: events dated later have not taken effect yet."""
    return standing_after([e for e in events if e.effective_on <= as_of])


_STANDING_OF: dict[str, Standing] = {
    "suspended": "suspended",
    "revoked": "revoked",
    "cancelled": "cancelled",
}
_STATUS_OF: dict[str, StatusCode] = {
    "suspended": "suspended",
    "revoked": "revoked",
    "cancelled": "cancelled",
}


def _standing_code(event: Event | None) -> Standing:
    return "active" if event is None else _STANDING_OF[event.kind]


def standing_label(kind: str, words: StatusWords | None, recorded: str = "") -> str:
    """The word shown for a standing: the one recorded with its event, else the scheme's."""
    if words is None:
        return recorded or STATUS_LABELS[kind]
    return words.word(kind, recorded)


def status_on(
    rule: ValidityRule,
    *,
    issued: date,
    valid_until: date | None,
    events: Sequence[Event],
    as_of: date,
    words: StatusWords | None = None,
) -> Status:
    """The status on `as_of`. `words` are the scheme's status words (catalog); without
    them the generic labels are used (the rule names its own reviews)."""
    if as_of < issued:
        return Status("not_issued", STATUS_LABELS["not_issued"], f"发证日期为{issued}", None, None)
    so_far = sorted((e for e in events if e.effective_on <= as_of), key=lambda e: e.effective_on)
    reviews = [e.effective_on for e in so_far if e.kind == "reviewed"]
    state = validity_on(rule, issued=issued, valid_until=valid_until, reviews=reviews, as_of=as_of)
    standing = _standing(so_far)
    if standing is not None:
        code = _STATUS_OF[standing.kind]
        label = standing_label(code, words, standing.word)
        reason = f"{standing.effective_on}起{label}" + (
            f"：{standing.reason}" if standing.reason else ""
        )
        return Status(code, label, reason, None, state.valid_until)
    return _validity_status(rule, state)


def _validity_status(rule: ValidityRule, state: ValidityState) -> Status:
    label = STATUS_LABELS[state.state]
    if state.state == "review_due" and state.due_date is not None:
        label = f"待{rule.review_word(state.due_date, state.valid_until)}"
    return Status(state.state, label, state.reason_zh, state.due_date, state.valid_until)


@dataclass(frozen=True)
class Settled:
    """A certificate's event log reduced to what decides its status on every date from
    `through` (its latest event) on. The registry keeps it beside the certificate so that
    batch reads need not replay the log (registry.settlement)."""

    through: date
    standing: Standing
    due_on: date | None
    valid_until: date | None


def settle(
    rule: ValidityRule, *, issued: date, valid_until: date | None, events: Sequence[Event]
) -> Settled:
    through = max([issued, *(e.effective_on for e in events)])
    reviews = [e.effective_on for e in events if e.kind == "reviewed"]
    due, until = settle_reviews(rule, issued=issued, valid_until=valid_until, reviews=reviews)
    return Settled(through, standing_after(events), due, until)


def status_from_settled(rule: ValidityRule, settled: Settled, as_of: date) -> Status:
    """The status on `as_of` of an active certificate from its settlement, as `status_on`
    gives it from the log; only for dates from `through` on. Suspended, revoked and
    cancelled certificates need their log: the answer names the date and reason of the
    event."""
    if settled.standing != "active" or as_of < settled.through:
        raise ValueError("only an active settlement answers, from its last event on")
    return _validity_status(rule, state_on(rule, settled.due_on, settled.valid_until, as_of))
