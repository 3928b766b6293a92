"""A certificate's status on a date, from its scheme's rules and its event log. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from certbridge.catalog import ValidityRule, settle_reviews, state_on, validity_on

StatusCode = Literal["valid", "review_due", "expired", "suspended", "revoked", "not_issued"]

STATUS_LABELS: dict[str, str] = {
    "valid": "有效",
    "review_due": "待复审",
    "expired": "已失效",
    "suspended": "暂停",
    "revoked": "已注销",
    "not_issued": "尚未发证",
}


@dataclass(frozen=True)
class Event:
    kind: str
    effective_on: date
    reason: str = ""


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
    """The latest suspension or revocation still in force, if any."""
    standing: Event | None = None
    for event in events:
        if event.kind == "revoked":
            return event
        if event.kind == "suspended":
            standing = event
        elif event.kind == "reinstated":
            standing = None
    return standing


def status_on(
    rule: ValidityRule,
    *,
    issued: date,
    valid_until: date | None,
    events: Sequence[Event],
    as_of: date,
    review_label: str | None = None,
) -> Status:
    if as_of < issued:
        return Status("not_issued", STATUS_LABELS["not_issued"], f"发证日期为{issued}", None, None)
    so_far = sorted((e for e in events if e.effective_on <= as_of), key=lambda e: e.effective_on)
    standing = _standing(so_far)
    if standing is not None:
        code: StatusCode = "revoked" if standing.kind == "revoked" else "suspended"
        reason = f"{standing.effective_on}起{STATUS_LABELS[code]}" + (
            f"：{standing.reason}" if standing.reason else ""
        )
        return Status(code, STATUS_LABELS[code], reason, None, valid_until)
    reviews = [e.effective_on for e in so_far if e.kind == "reviewed"]
    state = validity_on(rule, issued=issued, valid_until=valid_until, reviews=reviews, as_of=as_of)
    label = STATUS_LABELS[state.state]
    if state.state == "review_due" and review_label:
        label = f"待{review_label}"
    return Status(state.state, label, state.reason_zh, state.due_date, state.valid_until)


Standing = Literal["active", "suspended", "revoked"]


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
    ordered = sorted(events, key=lambda e: e.effective_on)
    through = max([issued, *(e.effective_on for e in ordered)])
    standing_event = _standing(ordered)
    standing: Standing = "active"
    if standing_event is not None:
        standing = "revoked" if standing_event.kind == "revoked" else "suspended"
    reviews = [e.effective_on for e in ordered if e.kind == "reviewed"]
    due, until = settle_reviews(rule, issued=issued, valid_until=valid_until, reviews=reviews)
    return Settled(through, standing, due, until)


def status_from_settled(
    rule: ValidityRule, settled: Settled, as_of: date, review_label: str | None = None
) -> Status:
    """The status on `as_of` of an active certificate from its settlement, as `status_on`
    gives it from the log; only for dates from `through` on."""
    if settled.standing != "active" or as_of < settled.through:
        raise ValueError("only an active settlement answers, from its last event on")
    state = state_on(rule, settled.due_on, settled.valid_until, as_of)
    label = STATUS_LABELS[state.state]
    if state.state == "review_due" and review_label:
        label = f"待{review_label}"
    return Status(state.state, label, state.reason_zh, state.due_date, state.valid_until)
