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
    # Read in full before writing: the reads and the update share one connection.
    logs = list(read_logs(connection, certificate_ids))
    settle_written(connection, logs)
    return len(logs)


def settle_written(connection: Connection, written: Iterable[Log]) -> None:
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


# A certificate's event log with what its status rests on:
# (id, scheme, issued, printed valid-until, events in recorded order).
Log = tuple[int, str, date, date | None, list[Event]]


def read_logs(connection: Connection, certificate_ids: Collection[int]) -> Iterator[Log]:
    """The event logs of these certificates, read in chunks."""
    c, e = _certificates.c, _events.c
    for chunk in _chunks(sorted(set(certificate_ids))):
        events: dict[int, list[Event]] = {}
        for certificate_id, kind, effective_on in connection.execute(
            select(e.certificate_id, e.kind, e.effective_on)
            .where(e.certificate_id.in_(chunk))
            .order_by(e.certificate_id, e.id)
        ):
            events.setdefault(certificate_id, []).append(Event(kind, effective_on))
        for certificate_id, scheme, issued_on, valid_until in connection.execute(
            select(c.id, c.scheme, c.issued_on, c.valid_until).where(c.id.in_(chunk))
        ):
            yield certificate_id, scheme, issued_on, valid_until, events.get(certificate_id, [])


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
