"""`certbridge query`: the one-stop query from a terminal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
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
    as_json: Annotated[bool, typer.Option("--json", help="print the API's JSON")] = False,
) -> None:
    """All certificates of a person (--name --id-number) or one certificate (--number --name)."""
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


def _print_table(holder: HolderView, as_of: date, certificates: list[CertificateView]) -> None:
    table = Table(title=f"{holder.name}（{holder.id_number_masked}）的证书，截至 {as_of}")
    for column in ("证书编号", "证书", "发证机关", "发证日期", "有效期至", "状态"):
        table.add_column(column, overflow="fold")
    for c in certificates:
        name = f"{c.type.name} {c.level.name}" if c.level else c.type.name
        if c.item_code:
            name = f"{name}（{c.item_code}）"
        table.add_row(
            c.number,
            f"{name}\n[dim]{c.scheme.name}[/dim]",
            c.issuer.name,
            str(c.issued_on),
            str(c.valid_until or "长期"),
            f"{c.status.label}\n[dim]{c.status.reason}[/dim]",
        )
    console.print(table)
