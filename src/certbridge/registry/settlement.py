"""Keep each certificate's settled status (lifecycle.Settled) beside it in the table.

Every writer of certificates or events settles what it wrote before it commits; database
triggers (migration 0005) clear a settlement as soon as an event arrives or the dates
change, so a reader finds either a settlement that is true or none (and then replays the
event log). Batch readers (recognition.batch) rely on this to read a status per row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select, update

from certbridge.catalog import load_catalog
from certbridge.registry.lifecycle import Event, Settled, settle
from certbridge.registry.models import Certificate, CertificateEvent

CHUNK = 500

_certificates = cast(Table, Certificate.__table__)
_events = cast(Table, CertificateEvent.__table__)

_STORE = (
    update(_certificates)
    .where(_certificates.c.id == bindparam("certificate_id"))
    .values(
        settled_through=bindparam("through"),
        settled_standing=bindparam("standing"),
        settled_due_on=bindparam("due_on"),
        settled_until=bindparam("until"),
    )
)


def settle_certificates(connection: Connection, certificate_ids: Collection[int]) -> int:
    """Settle these certificates from their event logs and store the result; the count."""
    done = 0
    for chunk in _chunks(sorted(set(certificate_ids))):
        values = _settlements(connection, chunk)
        if values:
            connection.execute(_STORE, values)
        done += len(values)
    return done


def settle_written(
    connection: Connection, written: Iterable[tuple[int, str, date, date | None, list[Event]]]
) -> None:
    """Store settlements for certificates whose whole event log the caller has just written
    (id, scheme, issued, valid until, events): no need to read them back."""
    schemes = load_catalog().schemes
    values = [
        _values(
            certificate_id,
            settle(schemes[scheme].validity, issued=issued, valid_until=until, events=events),
        )
        for certificate_id, scheme, issued, until, events in written
    ]
    if values:
        connection.execute(_STORE, values)


def settle_stale(connection: Connection, *, batch: int = 20_000) -> int:
    """Settle every certificate that has no settlement (after an upgrade, or a writer
    that left it to the triggers); the count. Run by `certbridge db settle`."""
    done = 0
    while True:
        ids = list(
            connection.execute(
                select(_certificates.c.id)
                .where(_certificates.c.settled_through.is_(None))
                .order_by(_certificates.c.id)
                .limit(batch)
            ).scalars()
        )
        if not ids:
            return done
        done += settle_certificates(connection, ids)


def _settlements(connection: Connection, ids: list[int]) -> list[dict[str, Any]]:
    c, e = _certificates.c, _events.c
    logs: dict[int, list[Event]] = {}
    for certificate_id, kind, effective_on in connection.execute(
        select(e.certificate_id, e.kind, e.effective_on)
        .where(e.certificate_id.in_(ids))
        .order_by(e.certificate_id, e.id)
    ):
        logs.setdefault(certificate_id, []).append(Event(kind, effective_on))
    schemes = load_catalog().schemes
    values = []
    for certificate_id, scheme, issued_on, valid_until in connection.execute(
        select(c.id, c.scheme, c.issued_on, c.valid_until).where(c.id.in_(ids))
    ):
        settled = settle(
            schemes[scheme].validity,
            issued=issued_on,
            valid_until=valid_until,
            events=logs.get(certificate_id, ()),
        )
        values.append(_values(certificate_id, settled))
    return values


def _values(certificate_id: int, settled: Settled) -> dict[str, Any]:
    return {
        "certificate_id": certificate_id,
        "through": settled.through,
        "standing": settled.standing,
        "due_on": settled.due_on,
        "until": settled.valid_until,
    }


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk
