"""`certbridge query`: the one-stop query from a terminal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from certbridge import clock
from certbridge.config import get_settings
from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.query import service
from certbridge.query.schemas import CertificateView, HolderView
from certbridge.runtime import cli_session, err_console, fail, keys_from

console = Console()


def query(
    name: Annotated[str, typer.Option("--name", help="持证人姓名")],
    id_number: Annotated[str | None, typer.Option("--id-number", help="证件号码")] = None,
    number: Annotated[str | None, typer.Option("--number", help="证书编号")] = None,
    id_type: Annotated[
        str | None,
        typer.Option(
            "--id-type",
            help="证件类型：居民身份证、港澳台居民居住证、外国人永久居留身份证、护照"
            "（或 resident、hmt_permit、foreign_permanent、passport）；不填时按号码识别"
            "居民身份证或港澳台居民居住证",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出与接口相同的 JSON")] = False,
) -> None:
    """查询一个人的全部证书（--name --id-number）或一本证书（--number --name）。"""
    if (id_number is None) == (number is None):
        raise fail(InputError("query.mode", "请只给出 --id-number 或 --number 之一"))
    settings = get_settings()
    try:
        with cli_session(settings) as session:
            answer = (
                service.certificates_of_person(
                    session,
                    name=name,
                    id_number=id_number,
                    as_of=clock.today(),
                    keys=keys_from(settings),
                    id_type=id_type,
                )
                if id_number is not None
                else service.certificate_by_number(
                    session,
                    number=number or "",
                    name=name,
                    as_of=clock.today(),
                    keys=keys_from(settings),
                )
            )
    except InputError as exc:
        raise fail(exc) from None
    except NotFound:
        err_console.print(f"[yellow]{NOT_FOUND_MESSAGE}[/yellow]")
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(answer.model_dump_json())
        return
    _print_table(answer.holder, answer.as_of, answer.certificates)


def certificate_table(
    holder: HolderView, as_of: date, certificates: list[CertificateView]
) -> Table:
    """Fits an 80-column terminal: a number and a date are never broken (no_wrap); names,
    issuers and reasons fold. The issuer shares the certificate's cell, the dates one cell."""
    table = Table(
        title=f"{holder.name}（{holder.id_number_masked}）的证书，截至 {as_of}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1),
    )
    table.add_column("证书编号", no_wrap=True)
    table.add_column("证书", overflow="fold", ratio=3)
    table.add_column("有效期", no_wrap=True)
    table.add_column("状态", overflow="fold", ratio=2)
    for c in certificates:
        name = f"{c.type.name} {c.level.name}" if c.level else c.type.name
        if c.item_code:
            name = f"{name}（{c.item_code}）"
        table.add_row(
            c.number,
            f"{name}\n[dim]{c.scheme.name}\n{c.issuer.name}[/dim]",
            f"{c.issued_on} 起\n{c.valid_until} 止"
            if c.valid_until
            else f"{c.issued_on} 起\n长期有效",
            f"{c.status.label}\n[dim]{c.status.reason}[/dim]",
        )
    return table


def _print_table(holder: HolderView, as_of: date, certificates: list[CertificateView]) -> None:
    console.print(certificate_table(holder, as_of, certificates))
