"""Import runs: find or start the run of a file, reconcile it chunk by chunk, report.

An import is atomic per chunk: each chunk's rows, quarantine entries and ledger entry
commit together. A run is keyed by (file SHA-256, profile, department, province), so
running the same command again after a crash resumes after the last committed chunk
and ends in the same state as an uninterrupted run. One import of a run at a time
(locks.py): a second one meanwhile is told `exchange.in_progress`. A run always ends,
completed or failed with its reason (where reading stopped); importing the file again
resumes a failed or interrupted run. This is the one service that commits (per chunk),
because atomicity per batch is its contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.catalog import load_catalog
from certbridge.config import Settings
from certbridge.errors import InputError, NotFound
from certbridge.exchange import archive
from certbridge.exchange.conflicts import conflict_ids, open_conflicts
from certbridge.exchange.locks import exclusive_run
from certbridge.exchange.models import ImportChunk, ImportRun, NameConflict, QuarantinedRow
from certbridge.exchange.profile import Profile
from certbridge.exchange.readers import (
    PROBLEMS,
    UNREAD,
    Limits,
    ReadError,
    SourceFile,
    Table,
    clip,
    inspect_file,
    open_table,
)
from certbridge.exchange.reconcile import Reconciler
from certbridge.exchange.rules import (
    Issuer,
    RowError,
    StatusRow,
    validate_certificate_row,
    validate_status_row,
)
from certbridge.exchange.schemas import Failure, RejectedRow, RunReport
from certbridge.registry.models import Certificate
from certbridge.registry.service import Keys, find_certificates, record_event

CHUNK_ROWS = 2_000
REPORT_REJECTIONS = 50
CHUNK_ATTEMPTS = 3  # a chunk that met another import's rows is planned again
# One answer for a status row whatever is wrong outside the uploader's own records:
# no such certificate, another authority's, or another holder's name.
STATUS_NOT_FOUND = RowError(
    "status.not_found",
    "未找到本批次发证机关登记的该证书（请核对证书编号、证书类型和姓名）",
    None,
    None,
)


class ImportBusy(InputError):
    """Other imports kept changing the same records: try again later."""

    def __init__(self) -> None:
        super().__init__(
            "exchange.busy",
            "其他导入正在同时写入相同的人员或证书，本批次已导入的部分保留，请稍后再次导入同一文件",
            field="file",
        )


def limits_from(settings: Settings) -> Limits:
    return Limits(
        line_chars=settings.import_max_line_chars,
        field_chars=settings.import_max_field_chars,
        columns=settings.import_max_columns,
        cells=settings.import_max_cells,
        json_depth=settings.import_max_json_depth,
        number_digits=settings.import_max_number_digits,
        xlsx_bytes=settings.import_max_xlsx_bytes,
    )


def file_store(settings: Settings) -> Path:
    """Where originals are kept: CERTBRIDGE_EXCHANGE_FILE_DIR, or under the data dir."""
    return settings.exchange_file_dir or settings.data_dir / "exchange" / "files"


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
    limits: Limits = field(default_factory=Limits)
    # Where the original file is kept (sealed with the seal key); None keeps nothing.
    file_store: Path | None = None


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
    before anything is written; ImportInProgress (an InputError) while another import of
    the same run has not ended. Once the run exists it always ends: completed, or failed
    with the row where reading stopped (the report says which)."""
    _check_issuer(request)
    source = inspect_file(
        path, encoding=request.encoding, file_format=request.file_format, limits=request.limits
    )
    if display_name:
        source = SourceFile(source.path, display_name, source.format, source.encoding,
                            source.sha256, source.size)  # fmt: skip
    table = open_table(source, request.profile, sheet=request.sheet, limits=request.limits)
    with exclusive_run(session, _run_key(source, request)):
        run, done_after, resumed = _find_or_start(session, source, table, request)
        if request.file_store is not None:
            archive.keep(source.path, source.sha256, request.file_store, keys.seal_key)
        session.commit()
        if run.finished_at is not None and run.failure is None:
            return report(session, run.id, already_imported=True)
        try:
            _import_rows(session, run, table, done_after, request, keys, on_progress)
        except ReadError as stopped:
            session.rollback()
            _fail(session, run, stopped)
        _finish(session, run)
        session.commit()
    return report(session, run.id, resumed=resumed)


def _run_key(source: SourceFile, request: ImportRequest) -> str:
    department, province = _run_issuer(request)
    return f"{source.sha256}:{request.profile.code}:{department}:{province}"


def _run_issuer(request: ImportRequest) -> tuple[str, str]:
    return (
        request.issuer.department or request.profile.department or "",
        request.issuer.province_code or "",
    )


def _import_rows(
    session: Session,
    run: ImportRun,
    table: Table,
    done_after: int,
    request: ImportRequest,
    keys: Keys,
    on_progress: Progress | None,
) -> None:
    rows = ((n, r) for n, r in table.rows if n > done_after)
    if request.profile.kind == "certificates":
        _import_certificates(session, run, table, rows, request, keys, on_progress)
    else:
        _import_status(session, run, table, rows, request, keys, on_progress)


def _fail(session: Session, run: ImportRun, stopped: ReadError) -> None:
    """Reading stopped: what was committed stands, the reason is stored with the run."""
    failure = {"code": stopped.code, "message": stopped.message, "row": stopped.row}
    run.failure = json.dumps(failure, ensure_ascii=False)


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
    department, province = _run_issuer(request)
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
        if run.failure is not None:  # tried again: resume where reading stopped
            run.failure, run.finished_at = None, None
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
    try:
        for item in rows:
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except ReadError:
        if chunk:  # the rows read before reading stopped are imported first
            yield chunk
        raise
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
        results = [(n, _validated(request, r, table, issuer)) for n, r in chunk]
        raw = dict(chunk)
        while results:
            used = _reconcile_chunk(session, reconciler, run, results, raw)
            if on_progress:
                on_progress(used)
            results = results[used:]


def _validated(request: ImportRequest, raw: dict[str, Any], table: Table, issuer: Issuer) -> Any:
    if UNREAD in raw:  # not read as cells (too long, an open quote): nothing to check
        return [RowError(**problem) for problem in raw[PROBLEMS]]
    return validate_certificate_row(request.profile, raw, table.fields, issuer, request.today)


def _reconcile_chunk(
    session: Session,
    reconciler: Reconciler,
    run: ImportRun,
    results: list[tuple[int, Any]],
    raw: dict[int, dict[str, Any]],
) -> int:
    """Plan, write and commit one chunk; planned again when another import wrote the same
    people or certificates in between (the unique keys tell). Returns the rows it covered."""
    for _attempt in range(CHUNK_ATTEMPTS):
        try:
            work, used = reconciler.plan(session, results)
            reconciler.write(session, work)
            _ledger(session, run, results[:used], work.outcomes, work.rejects, raw)
            opened = {n: c for n, c in work.conflicts.items() if n in work.rejects}
            open_conflicts(session, run.id, run.actor, opened)
            session.commit()
            return used
        except (IntegrityError, OperationalError) as error:
            session.rollback()  # the error names rows' values: never passed on
            if not _contention(error):
                raise
            reconciler.forget()
    raise ImportBusy


# What another writer at the same time looks like: a unique key taken meanwhile, a lock
# or a serialization conflict. Anything else (a CHECK, a trigger) is a fault, not a race.
_CONTENTION_SQLSTATES = frozenset({"23505", "40001", "40P01", "55P03"})
_CONTENTION_SQLITE = ("UNIQUE constraint failed", "database is locked", "database is busy")


def _contention(error: IntegrityError | OperationalError) -> bool:
    original = error.orig
    if getattr(original, "sqlstate", None) in _CONTENTION_SQLSTATES:
        return True
    return str(original).startswith(_CONTENTION_SQLITE)


def _ledger(
    session: Session,
    run: ImportRun,
    rows: Sequence[tuple[int, object]],
    outcomes: dict[int, str],
    rejects: dict[int, list[RowError]],
    raw: dict[int, dict[str, Any]],
) -> None:
    run_id = run.id
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
                    "raw": json.dumps(_kept(raw[number]), ensure_ascii=False, default=str),
                    "errors": json.dumps([_kept_error(e) for e in errors], ensure_ascii=False),
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


def _kept(row: dict[str, Any]) -> dict[str, Any]:
    """A row as quarantine keeps it: its reading problems are in its errors, and long
    values are kept as their start and length (the whole file is kept by its hash)."""
    kept: dict[str, Any] = {}
    for key, value in row.items():
        if key == PROBLEMS:
            continue
        if isinstance(value, str):
            value = clip(value)
        elif isinstance(value, list):
            value = [clip(v) if isinstance(v, str) else v for v in value]
        kept[key] = value
    return kept


def _kept_error(error: RowError) -> dict[str, str | None]:
    shown = error.as_dict()
    if shown["value"] is not None:
        shown["value"] = clip(shown["value"])
    return shown


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
            result = (
                [RowError(**problem) for problem in raw[PROBLEMS]]
                if UNREAD in raw
                else validate_status_row(request.profile, raw, table.fields, request.today)
            )
            results.append((number, result))
            if isinstance(result, list):
                outcomes[number], rejects[number] = "rejected", result
                continue
            problem = _apply_status(session, run, number, result, request, keys)
            if isinstance(problem, RowError):
                outcomes[number], rejects[number] = "rejected", [problem]
            else:
                outcomes[number] = problem
        _ledger(session, run, results, outcomes, rejects, dict(chunk))
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
    # Only the uploader's own records are looked at: whatever else the registry holds
    # under the number gets the one answer STATUS_NOT_FOUND.
    found = [c for c in find_certificates(session, row.number, keys) if _in_scope(run, c)]
    if row.type is not None:
        found = [c for c in found if c.type_code == row.type.code]
    if not found:
        return STATUS_NOT_FOUND
    if len(found) > 1:
        return RowError(
            "certificate.ambiguous", "该编号下有多个操作项目，请填写证书类型", None, row.number
        )
    certificate = found[0]
    if certificate.person.name != row.name:
        return RowError("status.name_mismatch", "姓名与该证书登记的持证人不一致", None, row.name)
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


def _in_scope(run: ImportRun, certificate: Certificate) -> bool:
    """Issued by the run's department and province (either may be open on the CLI)."""
    issuer = certificate.issuer
    return (not run.department or issuer.department == run.department) and (
        not run.province_code or issuer.province_code == run.province_code
    )


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
    quarantined = session.scalars(
        select(QuarantinedRow)
        .where(QuarantinedRow.run_id == run_id)
        .order_by(QuarantinedRow.row_number)
        .limit(REPORT_REJECTIONS)
    ).all()
    opened = conflict_ids(session, run_id, (q.row_number for q in quarantined))
    rejected = [
        RejectedRow(
            row=q.row_number,
            raw=json.loads(q.raw),
            errors=json.loads(q.errors),
            conflict_id=opened.get(q.row_number),
        )
        for q in quarantined
    ]
    failure = Failure(**json.loads(run.failure)) if run.failure else None
    status = "interrupted" if run.finished_at is None else ("failed" if failure else "completed")
    conflicts = _conflict_count(session, run_id)
    return RunReport(
        run_id=run.id,
        status=status,
        summary=_summary(run, status, failure, conflicts, already_imported),
        failure=failure,
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
        conflicts=conflicts,
        balanced=run.rows_read == run.accepted + run.updated + run.unchanged + run.rejected,
        resumed=resumed,
        already_imported=already_imported,
        ignored_columns=json.loads(run.ignored_columns),
        rejected_rows=rejected,
    )


def all_rejected(run: RunReport) -> bool:
    """Rows were read and none of them went in."""
    return run.rows_read > 0 and run.rejected == run.rows_read


def _conflict_count(session: Session, run_id: int) -> int:
    counted = session.scalar(
        select(func.count()).select_from(NameConflict).where(NameConflict.run_id == run_id)
    )
    return int(counted or 0)


def _summary(
    run: ImportRun, status: str, failure: Failure | None, conflicts: int, already: bool
) -> str:
    before = "该文件此前已按同一格式导入，本次未作修改；" if already else ""
    if failure is not None:
        return (
            f"导入在第{failure.row}行停止：{failure.message}。此前的{run.rows_read}行已处理"
            f"（拒收{run.rejected}行）；修正后再次导入同一文件将从停止处继续"
        )
    if status == "interrupted":
        return f"导入尚未结束（或已中断），已处理{run.rows_read}行；再次导入同一文件将继续"
    if run.rows_read and run.rejected == run.rows_read:
        pending = f"，其中{conflicts}行为姓名冲突，待核实处理" if conflicts else ""
        return f"{before}全部{run.rows_read}行均被拒收，未导入任何数据{pending}；请查看拒收原因"
    pending = f"；{conflicts}行姓名冲突待核实处理" if conflicts else ""
    return (
        f"{before}读取{run.rows_read}行：新增{run.accepted}、更新{run.updated}、"
        f"未变化{run.unchanged}、拒收{run.rejected}{pending}"
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
