"""`certbridge import | import-report | export` (mounted under `exchange` too)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from certbridge.config import get_settings
from certbridge.errors import InputError, NotFound
from certbridge.exchange import export as exporting
from certbridge.exchange import service
from certbridge.exchange.models import ImportRun
from certbridge.exchange.profile import Profile, all_profiles, load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.schemas import RunReport
from certbridge.runtime import cli_session, err_console, fail, keys_from

app = typer.Typer(help="部门数据交换（导入、导出）", no_args_is_help=True)
console = Console()

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
    """导入部门数据文件；中断后再次运行即从中断处继续。"""
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
        )
        with cli_session(settings) as session:
            for path in files:
                with _progress(path.name, as_json) as advance:
                    reports.append(
                        service.import_file(session, path, request, keys_from(settings), advance)
                    )
    except InputError as exc:
        raise fail(exc) from None
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in reports], ensure_ascii=False))
        return
    for run in reports:
        _print_report(run)


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
    if run.rejected:
        console.print(
            f"拒收的行已隔离保存，导出：certbridge import-report {run.run_id} --rejected-csv FILE"
        )
    for rejected in run.rejected_rows[:10]:
        reasons = "；".join(e.message for e in rejected.errors)
        console.print(f"  第{rejected.row}行：{reasons}", soft_wrap=True)  # codes: --json


@app.command("report")
def import_report(
    run_id: Annotated[int, typer.Argument(help="导入时显示的批次号")],
    rejected_csv: Annotated[
        Path | None, typer.Option("--rejected-csv", help="把拒收的行写入此 CSV 文件")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出报告")] = False,
) -> None:
    """显示导入批次的报告；拒收的行可导出为 CSV，改正后再次导入。"""
    try:
        with cli_session() as session:
            run = service.report(session, run_id)
            if rejected_csv is not None:
                _write_rejected(session, run_id, rejected_csv)
    except NotFound:
        err_console.print(f"[yellow]导入批次 {run_id} 不存在[/yellow]")
        raise typer.Exit(1) from None
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
        csv.writer(out, lineterminator="\n").writerows(exporting.rejected_csv(header, rows))


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
