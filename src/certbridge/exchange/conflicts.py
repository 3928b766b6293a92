"""Name conflicts: rows whose name differs from the one registered under their ID number.

An import never overwrites a registered name and never tells an uploader that did not
issue the person's certificates what the registry holds (reconcile.py). The row is
quarantined and a conflict opened; the parties concerned (parties.py) list, show and
resolve it here, with a reason, each step appended to its audit trail. Resolving with
`correct_registered` renames the person (a `corrected` event on each of their
certificates) and applies the row. Services never commit: the caller does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, exists, false, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from certbridge import clock
from certbridge.catalog import load_catalog
from certbridge.errors import InputError, NotFound
from certbridge.exchange import parties
from certbridge.exchange.models import ConflictEvent, ImportRun, NameConflict, QuarantinedRow
from certbridge.exchange.profile import load_profile
from certbridge.exchange.readers import map_fields
from certbridge.exchange.reconcile import Conflict, Reconciler
from certbridge.exchange.rules import CertificateRow, Issuer, RowError, validate_certificate_row
from certbridge.exchange.schemas import (
    Authority,
    ConflictCertificate,
    ConflictEventView,
    ConflictView,
)
from certbridge.registry.models import Certificate, IssuingAuthority, Person
from certbridge.registry.service import Keys, authority_name, display_number, record_event

LIST_LIMIT = 100


@dataclass(frozen=True)
class Party:
    """Who asks: a token's role, grants and the actor recorded for what it does."""

    role: str
    grants: tuple[str, ...]
    actor: str


class NotAllowed(Exception):
    """A party concerned by the conflict, but not allowed this outcome."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyResolved(InputError):
    def __init__(self) -> None:
        super().__init__("conflict.resolved", "该冲突已处理，不能再次处理", field="outcome")


# ---------------------------------------------------------------- opening


def open_conflicts(
    session: Session, run_id: int, actor: str, conflicts: Mapping[int, Conflict]
) -> dict[int, int]:
    """Open a conflict for each row (row number -> Conflict); returns row -> conflict id.
    Called in the chunk's transaction, after its people were written."""
    if not conflicts:
        return {}
    keys = {c.person_key for c in conflicts.values()}
    found = session.execute(select(Person.id_hash, Person.id).where(Person.id_hash.in_(keys)))
    people = {row.id_hash: row.id for row in found}
    rows: list[dict[str, Any]] = [
        {
            "run_id": run_id,
            "row_number": number,
            "person_id": people[c.person_key],
            "department": c.department,
            "province_code": c.province_code,
            "submitted_name": c.name,
        }
        for number, c in conflicts.items()
        if c.person_key in people
    ]
    if not rows:
        return {}
    table = cast(Table, NameConflict.__table__)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(session.connection().execute(statement, rows).scalars())
    session.execute(
        insert(ConflictEvent),
        [
            {"conflict_id": i, "kind": "opened", "actor": actor, "reason": "", "detail": "{}"}
            for i in ids
        ],
    )
    return {int(row["row_number"]): i for row, i in zip(rows, ids, strict=True)}


# ---------------------------------------------------------------- reading


def list_conflicts(
    session: Session,
    party: Party,
    *,
    status: str = "open",
    limit: int = LIST_LIMIT,
    offset: int = 0,
) -> list[ConflictView]:
    """The conflicts that concern `party`, oldest first."""
    statement = select(NameConflict).where(_concerning(party)).order_by(NameConflict.id)
    if status == "open":
        statement = statement.where(NameConflict.resolved_at.is_(None))
    elif status == "resolved":
        statement = statement.where(NameConflict.resolved_at.is_not(None))
    found = session.scalars(statement.limit(limit).offset(offset)).all()
    views = (_view(session, party, conflict, history=False) for conflict in found)
    return [view for view in views if view is not None]


def show_conflict(session: Session, party: Party, conflict_id: int) -> ConflictView:
    """One conflict with its history; NotFound when it does not concern `party`."""
    conflict = session.get(NameConflict, conflict_id)
    view = _view(session, party, conflict, history=True) if conflict else None
    if view is None:
        raise NotFound
    return view


def _concerning(party: Party) -> ColumnElement[bool]:
    """SQL for 'may concern this party' (the exact rule is applied to each result)."""
    if party.role == "admin" or (party.role == "regulator" and "*" in party.grants):
        return NameConflict.id.is_not(None)
    issued = (
        select(Certificate.id)
        .join(IssuingAuthority)
        .where(Certificate.person_id == NameConflict.person_id)
    )
    if party.role == "regulator":
        provinces = list(party.grants)
        return or_(
            NameConflict.province_code.in_(provinces),
            exists(issued.where(IssuingAuthority.province_code.in_(provinces))),
        )
    if party.role != "department":
        return false()
    clauses = []
    for grant in party.grants:
        department, _, province = grant.partition(":")
        mine = NameConflict.department == department
        theirs = IssuingAuthority.department == department
        if province != "*":
            mine = and_(mine, NameConflict.province_code == province)
            theirs = and_(theirs, IssuingAuthority.province_code == province)
        clauses += [mine, exists(issued.where(theirs))]
    return or_(false(), *clauses)


def _issuers(session: Session, person_id: int) -> list[tuple[str, str]]:
    found = session.execute(
        select(IssuingAuthority.department, IssuingAuthority.province_code)
        .join(Certificate, Certificate.issuer_id == IssuingAuthority.id)
        .where(Certificate.person_id == person_id)
        .distinct()
        .order_by(IssuingAuthority.department, IssuingAuthority.province_code)
    )
    return [(department, province) for department, province in found]


def _authority(department: str, province: str) -> Authority:
    name = load_catalog().provinces[province].name_zh
    return Authority(
        department=department, province_code=province, name=authority_name(department, name)
    )


def _view(
    session: Session, party: Party, conflict: NameConflict, *, history: bool
) -> ConflictView | None:
    uploader = (conflict.department, conflict.province_code)
    issuers = _issuers(session, conflict.person_id)
    access = parties.access(party.role, party.grants, uploader, issuers)
    if access == "none":
        return None
    sees = parties.sees_registered_name(access)
    person = session.get(Person, conflict.person_id)
    run = session.get(ImportRun, conflict.run_id)
    assert person is not None
    assert run is not None
    return ConflictView(
        id=conflict.id,
        run_id=conflict.run_id,
        row=conflict.row_number,
        file_name=run.file_name,
        uploader=_authority(*uploader),
        holder_id_masked=person.id_masked,
        submitted_name=conflict.submitted_name,
        registered_name=person.name if sees else None,
        issuers=[_authority(*i) for i in issuers] if sees else [],
        status="open" if conflict.resolved_at is None else "resolved",
        outcome=conflict.outcome,
        outcome_label=parties.OUTCOME_LABELS.get(conflict.outcome or ""),
        applied=conflict.applied,
        opened_at=conflict.opened_at,
        resolved_at=conflict.resolved_at,
        access=access,
        may_correct=parties.may_choose(access, "correct_registered"),
        certificate=_certificate(session, conflict, run) if history else None,
        history=_history(session, conflict.id, sees) if history else [],
    )


def _history(session: Session, conflict_id: int, sees: bool) -> list[ConflictEventView]:
    events = session.scalars(
        select(ConflictEvent)
        .where(ConflictEvent.conflict_id == conflict_id)
        .order_by(ConflictEvent.id)
    )
    views = []
    for event in events:
        detail = json.loads(event.detail)
        if not sees:
            detail.pop("previous_name", None)
        views.append(
            ConflictEventView(
                kind=cast(Any, event.kind),
                actor=event.actor,
                reason=event.reason,
                detail=detail,
                recorded_at=event.recorded_at,
            )
        )
    return views


def _row(
    session: Session, conflict: NameConflict, run: ImportRun, today: date
) -> CertificateRow | list[RowError]:
    """The quarantined row, validated again as it would be imported today."""
    quarantined = session.scalar(
        select(QuarantinedRow).where(
            QuarantinedRow.run_id == conflict.run_id,
            QuarantinedRow.row_number == conflict.row_number,
        )
    )
    if quarantined is None:
        return [RowError("conflict.row_missing", "隔离区中找不到该行", None, None)]
    profile = load_profile(run.profile)
    fields, _ = map_fields(profile, json.loads(run.header))
    issuer = Issuer(conflict.department, conflict.province_code)
    return validate_certificate_row(profile, json.loads(quarantined.raw), fields, issuer, today)


def _certificate(
    session: Session, conflict: NameConflict, run: ImportRun
) -> ConflictCertificate | None:
    row = _row(session, conflict, run, clock.today())
    if not isinstance(row, CertificateRow):
        return None
    return ConflictCertificate(
        type=row.type.name_zh,
        number=display_number(row.type.scheme, row.number),
        issued_on=row.issued_on,
    )


# ---------------------------------------------------------------- resolving


def resolve(
    session: Session,
    party: Party,
    conflict_id: int,
    *,
    outcome: str,
    reason: str,
    keys: Keys,
    today: date,
) -> ConflictView:
    """Record the outcome (once), rename the person and apply the row when the outcome
    says so. NotFound for a party not concerned, NotAllowed for an outcome it may not
    choose, AlreadyResolved when someone was first."""
    conflict = session.get(NameConflict, conflict_id)
    if conflict is None:
        raise NotFound
    issuers = _issuers(session, conflict.person_id)
    access = parties.access(
        party.role, party.grants, (conflict.department, conflict.province_code), issuers
    )
    if access == "none":
        raise NotFound
    reason = reason.strip()
    if outcome not in parties.OUTCOMES:
        raise InputError(
            "conflict.outcome",
            "处理结果应为 keep_registered 或 correct_registered",
            field="outcome",
        )
    if not reason:
        raise InputError("conflict.reason", "须填写处理原因（记入处理记录）", field="reason")
    if not parties.may_choose(access, outcome):
        raise NotAllowed(
            "只有该持证人证书的发证部门或监管部门可以更正登记姓名；"
            "提交方只能撤回本行（keep_registered）"
        )
    _claim(session, conflict, outcome)
    previous = (
        _rename(session, party, conflict, reason, today) if outcome != "keep_registered" else None
    )
    detail = {"outcome": outcome} | ({"previous_name": previous} if previous else {})
    _event(session, conflict.id, "resolved", party.actor, reason, detail)
    if outcome == "correct_registered":
        applied, errors = _apply(session, party, conflict, keys, today)
        conflict.applied = applied
        summary = {"outcome": applied, "errors": [e.as_dict() for e in errors]}
        _event(session, conflict.id, "applied", party.actor, "", summary)
    session.flush()
    return show_conflict(session, party, conflict.id)


def _claim(session: Session, conflict: NameConflict, outcome: str) -> None:
    """Only the first resolution counts, even when two parties resolve at once."""
    claimed = session.execute(
        update(NameConflict)
        .where(NameConflict.id == conflict.id, NameConflict.resolved_at.is_(None))
        .values(resolved_at=datetime.now(UTC), outcome=outcome)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise AlreadyResolved
    session.refresh(conflict)


def _rename(
    session: Session, party: Party, conflict: NameConflict, reason: str, today: date
) -> str | None:
    """The registered name becomes the submitted one, recorded in every certificate's
    history as a correction with who and why. Returns the previous name."""
    person = session.get(Person, conflict.person_id)
    assert person is not None
    previous = person.name
    if previous == conflict.submitted_name:
        return None
    person.name = conflict.submitted_name
    session.flush()
    for certificate in session.scalars(
        select(Certificate).where(Certificate.person_id == person.id).order_by(Certificate.id)
    ):
        record_event(
            session,
            certificate,
            kind="corrected",
            effective_on=max(today, certificate.issued_on),
            actor=party.actor,
            reason=f"更正持证人姓名（数据交换冲突{conflict.id}）：{reason}"[:500],
            source=f"exchange conflict {conflict.id}",
        )
    return previous


def _apply(
    session: Session, party: Party, conflict: NameConflict, keys: Keys, today: date
) -> tuple[str, list[RowError]]:
    """Import the quarantined row now, as the uploader's row (its run and row number)."""
    run = session.get(ImportRun, conflict.run_id)
    assert run is not None
    row = _row(session, conflict, run, today)
    if not isinstance(row, CertificateRow):
        return "rejected", row
    reconciler = Reconciler(keys, run.id, run.file_name, party.actor, today)
    work, _ = reconciler.plan(session, [(conflict.row_number, row)])
    reconciler.write(session, work)
    return work.outcomes[conflict.row_number], work.rejects.get(conflict.row_number, [])


def _event(
    session: Session,
    conflict_id: int,
    kind: str,
    actor: str,
    reason: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        ConflictEvent(
            conflict_id=conflict_id,
            kind=kind,
            actor=actor[:100],
            reason=reason,
            detail=json.dumps(detail, ensure_ascii=False),
        )
    )


def conflict_ids(session: Session, run_id: int, rows: Iterable[int]) -> dict[int, int]:
    """Row number -> conflict id, for the rows of a run that opened one."""
    wanted = list(rows)
    if not wanted:
        return {}
    found = session.execute(
        select(NameConflict.row_number, NameConflict.id).where(
            NameConflict.run_id == run_id, NameConflict.row_number.in_(wanted)
        )
    )
    return {row.row_number: row.id for row in found}
