"""Import runs: find or start the run of a file, reconcile it chunk by chunk, report.

An import is atomic per chunk: each chunk's rows, quarantine entries and ledger entry
commit together. A run is keyed by (file SHA-256, profile, department, province), so
running the same command again after a crash resumes after the last committed chunk
and ends in the same state as an uninterrupted run. This is the one service that
commits (per chunk), because atomicity per batch is its contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.catalog import load_catalog
from certbridge.errors import InputError, NotFound
from certbridge.exchange.models import ImportChunk, ImportRun, QuarantinedRow
from certbridge.exchange.profile import Profile
from certbridge.exchange.readers import SourceFile, Table, inspect_file, open_table
from certbridge.exchange.reconcile import Reconciler
from certbridge.exchange.rules import (
    Issuer,
    RowError,
    StatusRow,
    validate_certificate_row,
    validate_status_row,
)
from certbridge.exchange.schemas import RejectedRow, RunReport
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys, find_certificates, record_event

CHUNK_ROWS = 2_000
REPORT_REJECTIONS = 50


@dataclass(frozen=True)
class ImportRequest:
    profile: Profile
    issuer: Issuer
    actor: str
    channel: str = "cli"
    sheet: str | None = None
    encoding: str | None = None
    file_format: str | None = None
    chunk_rows: int = CHUNK_ROWS
    today: date = field(default_factory=clock.today)


Progress = Callable[[int], None]


def import_file(
    session: Session,
    path: Path,
    request: ImportRequest,
    keys: Keys,
    on_progress: Progress | None = None,
    *,
    display_name: str | None = None,
) -> RunReport:
    """Import one file; commits after each chunk. File-level refusals raise InputError
    before anything is written."""
    _check_issuer(request)
    source = inspect_file(path, encoding=request.encoding, file_format=request.file_format)
    if display_name:
        source = SourceFile(source.path, display_name, source.format, source.encoding,
                            source.sha256, source.size)  # fmt: skip
    table = open_table(source, request.profile, sheet=request.sheet)
    run, done_after, resumed = _find_or_start(session, source, table, request)
    session.commit()
    if run.finished_at is not None:
        return report(session, run.id, already_imported=True)
    rows = ((n, r) for n, r in table.rows if n > done_after)
    if request.profile.kind == "certificates":
        _import_certificates(session, run, table, rows, request, keys, on_progress)
    else:
        _import_status(session, run, table, rows, request, keys, on_progress)
    _finish(session, run)
    session.commit()
    return report(session, run.id, resumed=resumed)


def _check_issuer(request: ImportRequest) -> None:
    profile, issuer = request.profile, request.issuer
    if issuer.department and profile.department and issuer.department != profile.department:
        raise InputError(
            "issuer.scheme_scope",
            f"导入格式“{profile.name_zh}”属于其他部门，不能以本部门名义导入",
            field="profile",
        )
    if issuer.province_code and issuer.province_code not in load_catalog().provinces:
        raise InputError(
            "issuer.province", f"省份代码“{issuer.province_code}”不存在", field="province"
        )


def _find_or_start(
    session: Session, source: SourceFile, table: Table, request: ImportRequest
) -> tuple[ImportRun, int, bool]:
    department = request.issuer.department or request.profile.department or ""
    province = request.issuer.province_code or ""
    run = session.scalar(
        select(ImportRun).where(
            ImportRun.sha256 == source.sha256,
            ImportRun.profile == request.profile.code,
            ImportRun.department == department,
            ImportRun.province_code == province,
        )
    )
    if run is not None:
        done = session.scalar(
            select(func.max(ImportChunk.last_row)).where(ImportChunk.run_id == run.id)
        )
        return run, done or 0, True
    run = ImportRun(
        kind=request.profile.kind,
        profile=request.profile.code,
        file_name=source.name[:255],
        sha256=source.sha256,
        size=source.size,
        encoding=source.encoding or "",
        department=department,
        province_code=province,
        channel=request.channel,
        actor=request.actor[:100],
        header=json.dumps(list(table.header), ensure_ascii=False),
        ignored_columns=json.dumps(list(table.ignored), ensure_ascii=False),
    )
    session.add(run)
    session.flush()
    return run, 0, False


def _chunks(rows: Iterator[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _import_certificates(
    session: Session,
    run: ImportRun,
    table: Table,
    rows: Iterator[tuple[int, dict[str, Any]]],
    request: ImportRequest,
    keys: Keys,
    on_progress: Progress | None,
) -> None:
    reconciler = Reconciler(keys, run.id, run.file_name, request.actor, request.today)
    issuer = Issuer(run.department or None, run.province_code or None)
    for chunk in _chunks(rows, request.chunk_rows):
        results = [
            (n, validate_certificate_row(request.profile, r, table.fields, issuer, request.today))
            for n, r in chunk
        ]
        raw = dict(chunk)
        while results:
            work, used = reconciler.plan(session, results)
            reconciler.write(session, work)
            _ledger(session, run.id, results[:used], work.outcomes, work.rejects, raw)
            session.commit()
            if on_progress:
                on_progress(used)
            results = results[used:]


def _ledger(
    session: Session,
    run_id: int,
    rows: Sequence[tuple[int, object]],
    outcomes: dict[int, str],
    rejects: dict[int, list[RowError]],
    raw: dict[int, dict[str, Any]],
) -> None:
    counts = dict.fromkeys(("accepted", "updated", "unchanged", "rejected"), 0)
    for number, _ in rows:
        counts[outcomes[number]] += 1
    if rejects:
        session.execute(
            insert(QuarantinedRow),
            [
                {
                    "run_id": run_id,
                    "row_number": number,
                    "raw": json.dumps(raw[number], ensure_ascii=False, default=str),
                    "errors": json.dumps([e.as_dict() for e in errors], ensure_ascii=False),
                }
                for number, errors in rejects.items()
            ],
        )
    session.execute(
        insert(ImportChunk),
        {
            "run_id": run_id,
            "first_row": rows[0][0],
            "last_row": rows[-1][0],
            "rows": len(rows),
            **counts,
        },
    )


def _import_status(
    session: Session,
    run: ImportRun,
    table: Table,
    rows: Iterator[tuple[int, dict[str, Any]]],
    request: ImportRequest,
    keys: Keys,
    on_progress: Progress | None,
) -> None:
    """Suspension, revocation and reinstatement lists: few rows, through the registry's
    own status service so its transition rules apply unchanged."""
    for chunk in _chunks(rows, request.chunk_rows):
        outcomes: dict[int, str] = {}
        rejects: dict[int, list[RowError]] = {}
        results = []
        for number, raw in chunk:
            result = validate_status_row(request.profile, raw, table.fields, request.today)
            results.append((number, result))
            if isinstance(result, list):
                outcomes[number], rejects[number] = "rejected", result
                continue
            problem = _apply_status(session, run, number, result, request, keys)
            if isinstance(problem, RowError):
                outcomes[number], rejects[number] = "rejected", [problem]
            else:
                outcomes[number] = problem
        _ledger(session, run.id, results, outcomes, rejects, dict(chunk))
        session.commit()
        if on_progress:
            on_progress(len(chunk))


def _apply_status(
    session: Session,
    run: ImportRun,
    number: int,
    row: StatusRow,
    request: ImportRequest,
    keys: Keys,
) -> RowError | str:
    found = find_certificates(session, row.number, keys)
    if row.type is not None:
        found = [c for c in found if c.type_code == row.type.code]
    if not found:
        return RowError("status.not_found", "未找到该证书编号登记的证书", None, row.number)
    if len(found) > 1:
        return RowError(
            "certificate.ambiguous", "该编号下有多个操作项目，请填写证书类型", None, row.number
        )
    certificate = found[0]
    if certificate.person.name != row.name:
        return RowError("status.name_mismatch", "姓名与该证书登记的持证人不一致", None, row.name)
    scope = _outside_scope(run, certificate)
    if scope:
        return scope
    if _already_applied(certificate, row):
        return "unchanged"
    source = f"exchange run {run.id} row {number}: {run.file_name}"[:200]
    try:  # record_event checks everything before it adds the event
        record_event(
            session,
            certificate,
            kind=row.action,
            effective_on=row.effective_on,
            actor=request.actor,
            reason=row.reason,
            source=source,
            word=row.word,
        )
    except InputError as exc:
        return RowError(exc.code, exc.message, None, None)
    return "updated"


def _outside_scope(run: ImportRun, certificate: Certificate) -> RowError | None:
    issuer = certificate.issuer
    if (run.department and issuer.department != run.department) or (
        run.province_code and issuer.province_code != run.province_code
    ):
        return RowError(
            "issuer.scope", f"该证书由{issuer.name}发证，本批次无权变更其状态", None, None
        )
    return None


def _already_applied(certificate: Certificate, row: StatusRow) -> bool:
    last = certificate.events[-1] if certificate.events else None
    return (
        last is not None
        and last.kind == row.action
        and last.effective_on == row.effective_on
        and last.reason == row.reason
    )


def _finish(session: Session, run: ImportRun) -> None:
    totals = session.execute(
        select(
            func.coalesce(func.sum(ImportChunk.rows), 0),
            func.coalesce(func.sum(ImportChunk.accepted), 0),
            func.coalesce(func.sum(ImportChunk.updated), 0),
            func.coalesce(func.sum(ImportChunk.unchanged), 0),
            func.coalesce(func.sum(ImportChunk.rejected), 0),
        ).where(ImportChunk.run_id == run.id)
    ).one()
    run.rows_read, run.accepted, run.updated, run.unchanged, run.rejected = (int(v) for v in totals)
    run.finished_at = datetime.now(UTC)


# ---------------------------------------------------------------- reports


def report(
    session: Session, run_id: int, *, resumed: bool = False, already_imported: bool = False
) -> RunReport:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound
    if run.finished_at is None:
        _finish_counts_only(session, run)
    rejected = [
        RejectedRow(row=q.row_number, raw=json.loads(q.raw), errors=json.loads(q.errors))
        for q in session.scalars(
            select(QuarantinedRow)
            .where(QuarantinedRow.run_id == run_id)
            .order_by(QuarantinedRow.row_number)
            .limit(REPORT_REJECTIONS)
        )
    ]
    return RunReport(
        run_id=run.id,
        kind=run.kind,
        profile=run.profile,
        file_name=run.file_name,
        sha256=run.sha256,
        encoding=run.encoding or None,
        department=run.department or None,
        province_code=run.province_code or None,
        started_at=run.started_at,
        finished_at=run.finished_at,
        rows_read=run.rows_read,
        accepted=run.accepted,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
        balanced=run.rows_read == run.accepted + run.updated + run.unchanged + run.rejected,
        resumed=resumed,
        already_imported=already_imported,
        ignored_columns=json.loads(run.ignored_columns),
        rejected_rows=rejected,
    )


def _finish_counts_only(session: Session, run: ImportRun) -> None:
    """An unfinished (interrupted) run reports what its committed chunks hold."""
    finished_at = run.finished_at
    _finish(session, run)
    run.finished_at = finished_at
    session.expunge(run)


def quarantined_rows(session: Session, run_id: int) -> Iterator[QuarantinedRow]:
    if session.get(ImportRun, run_id) is None:
        raise NotFound
    yield from session.execute(
        select(QuarantinedRow)
        .where(QuarantinedRow.run_id == run_id)
        .order_by(QuarantinedRow.row_number)
        .execution_options(yield_per=1000)
    ).scalars()
