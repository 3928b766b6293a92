"""`certbridge import | import-report | export` (mounted under `exchange` too)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.auth.service import authenticate
from certbridge.config import get_settings
from certbridge.errors import InputError, NotFound
from certbridge.exchange import archive, conflicts, service
from certbridge.exchange import export as exporting
from certbridge.exchange.locks import ImportInProgress
from certbridge.exchange.models import ImportRun
from certbridge.exchange.profile import Profile, all_profiles, load_profile
from certbridge.exchange.rejected import write_rejected_csv
from certbridge.exchange.rules import Issuer
from certbridge.exchange.schemas import ConflictView, RunReport
from certbridge.runtime import cli_session, err_console, fail, keys_from

app = typer.Typer(help="部门数据交换（导入、导出）", no_args_is_help=True)
conflicts_app = typer.Typer(
    help="姓名冲突：列出、查看、处理（需要部门或监管令牌）", no_args_is_help=True
)
app.add_typer(conflicts_app, name="conflicts")
console = Console()
# Exit codes of `import`: 0 imported; 1 a file had every row rejected or its reading
# stopped (the report says where); 2 a file was refused; 3 the same file is being imported.
EXIT_NOTHING_IMPORTED, EXIT_IN_PROGRESS = 1, 3

ProfileOption = Annotated[
    str, typer.Option("--profile", help=f"导入格式：{'、'.join(all_profiles())}")
]


@app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(help="CSV、XLSX 或 JSONL 文件")],
    profile: ProfileOption,
    department: Annotated[
        str | None,
        typer.Option(
            help="发证部门：mohrss（人社）、mem（应急管理）、mohurd（住建）、samr（市场监管）"
        ),
    ] = None,
    province: Annotated[str | None, typer.Option(help="发证机关所在省份代码，如 14")] = None,
    encoding: Annotated[str | None, typer.Option(help="文件编码：utf-8、gbk 或 gb18030")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX 工作表（默认第一个）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出导入报告")] = False,
    chunk_rows: Annotated[
        int, typer.Option(min=1, max=100_000, help="每次提交的行数")
    ] = service.CHUNK_ROWS,
) -> None:
    """导入部门数据文件；中断后再次运行即从中断处继续。全部行被拒收或读取中断时退出码为1，
    同一文件正在由其他命令或请求导入时为3。"""
    settings = get_settings()
    reports: list[RunReport] = []
    try:
        chosen = load_profile(profile)
        request = service.ImportRequest(
            profile=chosen,
            issuer=Issuer(department, province),
            actor=f"cli:{profile}",
            sheet=sheet,
            encoding=encoding,
            chunk_rows=chunk_rows,
            limits=service.limits_from(settings),
            file_store=service.file_store(settings),
        )
        with cli_session(settings) as session:
            for path in files:
                with _progress(path.name, as_json) as advance:
                    reports.append(
                        service.import_file(session, path, request, keys_from(settings), advance)
                    )
    except (ImportInProgress, service.ImportBusy) as busy:
        raise fail(busy, EXIT_IN_PROGRESS) from None
    except InputError as exc:
        raise fail(exc) from None
    except SQLAlchemyError as exc:  # its text names rows' values: only its kind is shown
        kind = type(getattr(exc, "orig", None) or exc).__name__
        err_console.print(
            f"[red]导入因数据库错误中断（{kind}），已提交的部分保留；再次运行同一命令将从中断处继续[/red]"
        )
        raise typer.Exit(EXIT_NOTHING_IMPORTED) from None
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in reports], ensure_ascii=False))
    else:
        for run in reports:
            _print_report(run)
    if any(r.status != "completed" or service.all_rejected(r) for r in reports):
        raise typer.Exit(EXIT_NOTHING_IMPORTED)


class _progress:  # noqa: N801 - used as a context manager like a function
    def __init__(self, name: str, quiet: bool) -> None:
        self.bar = Progress(
            TextColumn(f"导入 {name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=quiet or not sys.stderr.isatty(),
        )
        self.task = self.bar.add_task("rows", total=None)

    def __enter__(self) -> service.Progress:
        self.bar.start()
        return lambda n: self.bar.advance(self.task, n)

    def __exit__(self, *_exc: object) -> None:
        self.bar.stop()


def _print_report(run: RunReport) -> None:
    table = Table(title=f"导入批次 {run.run_id}：{run.file_name}（{run.profile}）")
    for column in ("读取行数", "新增", "更新", "未变化", "拒收", "核对"):
        table.add_column(column, justify="right")
    table.add_row(
        str(run.rows_read),
        str(run.accepted),
        str(run.updated),
        str(run.unchanged),
        str(run.rejected),
        "平衡" if run.balanced else "不平衡",
    )
    console.print(table)
    if run.already_imported:
        console.print("[yellow]该文件此前已按同一格式导入，本次未作任何修改[/yellow]")
    elif run.resumed:
        console.print("[yellow]已从上次中断处继续导入[/yellow]")
    failed = run.status != "completed" or service.all_rejected(run)
    console.print(f"[red]{run.summary}[/red]" if failed else run.summary)
    if run.rejected:
        console.print(
            f"拒收的行已隔离保存，导出：certbridge import-report {run.run_id} --rejected-csv FILE"
        )
    if run.conflicts:
        console.print("姓名冲突由相关发证部门或监管部门处理：certbridge exchange conflicts list")
    for rejected in run.rejected_rows[:10]:
        reasons = "；".join(e.message for e in rejected.errors)
        console.print(f"  第{rejected.row}行：{reasons}", soft_wrap=True)  # codes: --json


@app.command("report")
def import_report(
    run_id: Annotated[int, typer.Argument(help="导入时显示的批次号")],
    rejected_csv: Annotated[
        Path | None, typer.Option("--rejected-csv", help="把拒收的行写入此 CSV 文件")
    ] = None,
    original: Annotated[
        Path | None, typer.Option("--original", help="把提交时的原文件写入此处")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出报告")] = False,
) -> None:
    """显示导入批次的报告；拒收的行可导出为 CSV，改正后再次导入。"""
    settings = get_settings()
    try:
        with cli_session(settings) as session:
            run = service.report(session, run_id)
            if rejected_csv is not None:
                _write_rejected(session, run_id, rejected_csv)
    except NotFound:
        err_console.print(f"[yellow]导入批次 {run_id} 不存在[/yellow]")
        raise typer.Exit(1) from None
    if original is not None:
        _write_original(run, original, settings.seal_key_bytes, service.file_store(settings))
    if as_json:
        typer.echo(run.model_dump_json())
    else:
        _print_report(run)
    if rejected_csv is not None:
        console.print(f"拒收的 {run.rejected} 行已写入 {rejected_csv}")


def _write_rejected(session: Session, run_id: int, path: Path) -> None:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound
    header = json.loads(run.header)
    rows = (
        (
            q.row_number,
            json.loads(q.raw),
            "；".join(e["message"] for e in json.loads(q.errors)),
        )
        for q in service.quarantined_rows(session, run_id)
    )
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        write_rejected_csv(out, header, rows)


def _write_original(run: RunReport, path: Path, seal_key: bytes, store: Path) -> None:
    try:
        with path.open("wb") as out:
            archive.restore(store, run.sha256, seal_key, out)
    except FileNotFoundError:
        path.unlink(missing_ok=True)
        err_console.print(
            f"[yellow]导入批次 {run.run_id} 的原始文件未保存（或已按保留期删除）[/yellow]"
        )
        raise typer.Exit(1) from None
    console.print(f"原始文件已写入 {path}")


@app.command("export")
def export(
    scheme: Annotated[str, typer.Option(help="证书类别代码，如 special_operation（特种作业）")],
    output: Annotated[Path, typer.Option("--output", "-o", help="写入的文件")],
    fmt: Annotated[str, typer.Option("--format", help="csv 或 jsonl")] = "csv",
    profile: Annotated[
        str | None, typer.Option(help="导出格式（默认：该类别证书自己的格式）")
    ] = None,
    province: Annotated[str | None, typer.Option(help="只导出该省份的记录")] = None,
) -> None:
    """按部门报送的格式导出其证书记录（含完整证件号码）。"""
    settings = get_settings()
    try:
        chosen = load_profile(profile) if profile else _profile_of(scheme)
        with cli_session(settings) as session:
            rows = exporting.export_rows(
                session, chosen, scheme=scheme, keys=keys_from(settings), province_code=province
            )
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with output.open("w", encoding=encoding, newline="") as out:
                count = exporting.write_export(rows, chosen, fmt, out)
    except InputError as exc:
        raise fail(exc) from None
    console.print(f"已导出 {count} 条证书到 {output}（格式：{chosen.name_zh}）")


def _profile_of(scheme: str) -> Profile:
    for candidate in all_profiles().values():
        if candidate.schemes == (scheme,):
            return candidate
    return load_profile("standard")


# ---------------------------------------------------------------- name conflicts

TokenOption = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="CERTBRIDGE_TOKEN",
        help="API token of the department or regulator acting (or CERTBRIDGE_TOKEN)",
        show_default=False,
    ),
]
OUTCOME_WORDS = {
    "keep": "keep_registered",
    "keep_registered": "keep_registered",
    "correct": "correct_registered",
    "correct_registered": "correct_registered",
}
STATUS_WORDS = {"open": "待处理", "resolved": "已处理"}
ACCESS_WORDS = {"uploader": "提交方", "issuer": "发证部门", "regulator": "监管部门"}
APPLIED_WORDS = {
    "accepted": "已新增",
    "updated": "已更新",
    "unchanged": "无变化",
    "rejected": "仍被拒收",
}


def _party(session: Session, token: str) -> conflicts.Party:
    principal = authenticate(session, token.strip())
    if principal is None:
        err_console.print("[red]令牌无效、已过期或已撤销[/red]")
        raise typer.Exit(2)
    return conflicts.Party(principal.role, principal.grants, principal.actor)


@conflicts_app.command("list")
def list_conflicts(
    token: TokenOption,
    status: Annotated[str, typer.Option(help="open, resolved or all")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=500)] = conflicts.LIST_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Name conflicts that concern the token's department or region."""
    if status not in ("open", "resolved", "all"):
        raise fail(
            InputError("request.invalid", "status 应为 open、resolved 或 all", field="status")
        )
    with cli_session() as session:
        found = conflicts.list_conflicts(
            session, _party(session, token), status=status, limit=limit
        )
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], ensure_ascii=False))
        return
    if not found:
        console.print("没有需要处理的姓名冲突" if status == "open" else "没有姓名冲突")
        return
    table = Table(title="姓名冲突")
    for column in ("编号", "提交方", "批次/行", "证件号码", "提交的姓名", "登记的姓名", "状态"):
        table.add_column(column)
    for c in found:
        table.add_row(
            str(c.id),
            c.uploader.name,
            f"{c.run_id}/{c.row}",
            c.holder_id_masked,
            c.submitted_name,
            c.registered_name or "（仅发证部门、监管部门可见）",
            STATUS_WORDS[c.status],
        )
    console.print(table)


@conflicts_app.command("show")
def show_conflict(
    conflict_id: Annotated[int, typer.Argument(help="conflict number")],
    token: TokenOption,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """One conflict and its audit trail."""
    try:
        with cli_session() as session:
            view = conflicts.show_conflict(session, _party(session, token), conflict_id)
    except NotFound:
        raise _no_conflict(conflict_id) from None
    if as_json:
        typer.echo(view.model_dump_json())
        return
    _print_conflict(view)


@conflicts_app.command("resolve")
def resolve_conflict(
    conflict_id: Annotated[int, typer.Argument(help="conflict number")],
    token: TokenOption,
    outcome: Annotated[
        str,
        typer.Option(
            help="keep (the registered name stands, the row is not imported) or correct "
            "(the registered name becomes the row's; the row is imported)"
        ),
    ],
    reason: Annotated[str, typer.Option(help="why (kept in the audit trail)")],
) -> None:
    """Resolve a conflict, with a reason."""
    chosen = OUTCOME_WORDS.get(outcome.strip().lower(), outcome)
    try:
        with cli_session() as session:
            view = conflicts.resolve(
                session,
                _party(session, token),
                conflict_id,
                outcome=chosen,
                reason=reason,
                keys=keys_from(get_settings()),
                today=clock.today(),
            )
            session.commit()
    except NotFound:
        raise _no_conflict(conflict_id) from None
    except conflicts.NotAllowed as refused:
        err_console.print(f"[red]{refused.message}[/red]")
        raise typer.Exit(1) from None
    except InputError as exc:
        raise fail(exc) from None
    _print_conflict(view)


def _no_conflict(conflict_id: int) -> typer.Exit:
    err_console.print(f"[yellow]姓名冲突 {conflict_id} 不存在[/yellow]")
    return typer.Exit(1)


def _print_conflict(view: ConflictView) -> None:
    console.print(f"姓名冲突 {view.id}（{STATUS_WORDS[view.status]}）")
    console.print(
        f"  提交方：{view.uploader.name}，导入批次 {view.run_id} 第{view.row}行（{view.file_name}）"
    )
    console.print(f"  证件号码：{view.holder_id_masked}")
    console.print(f"  提交的姓名：{view.submitted_name}")
    console.print(f"  登记的姓名：{view.registered_name or '（仅发证部门、监管部门可见）'}")
    if view.issuers:
        console.print(f"  该持证人证书的发证机关：{'、'.join(i.name for i in view.issuers)}")
    if view.certificate:
        c = view.certificate
        console.print(f"  本行证书：{c.type} {c.number}，发证日期 {c.issued_on}")
    console.print(f"  您的身份：{ACCESS_WORDS[view.access]}")
    if view.outcome_label:
        applied = f"；本行{APPLIED_WORDS.get(view.applied or '', '')}" if view.applied else ""
        console.print(f"  处理结果：{view.outcome_label}{applied}")
    elif view.may_correct:
        console.print(
            "  可选处理：--outcome keep（维持登记姓名）或 --outcome correct（更正登记姓名）"
        )
    else:
        console.print(
            "  可选处理：--outcome keep（撤回本行）；更正登记姓名须由发证部门或监管部门处理"
        )
    for event in view.history:
        words = {"opened": "登记冲突", "resolved": "处理", "applied": "导入本行"}[event.kind]
        why = f"：{event.reason}" if event.reason else ""
        console.print(
            f"  · {event.recorded_at:%Y-%m-%d %H:%M} {words}（{event.actor}）{why}"
            if event.recorded_at
            else f"  · {words}（{event.actor}）{why}"
        )
