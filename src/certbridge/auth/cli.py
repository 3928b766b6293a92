"""`certbridge token …`: API tokens for the write side."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from certbridge.auth.models import ApiToken
from certbridge.auth.scopes import ROLES
from certbridge.auth.service import create_token, parse_expiry, revoke_token
from certbridge.clock import CHINA
from certbridge.errors import InputError
from certbridge.runtime import cli_session, fail

app = typer.Typer(help="接口令牌（部门、评价机构、监管、管理员）", no_args_is_help=True)
console = Console()


@app.command("create")
def create(
    role: Annotated[
        str, typer.Option(help=f"角色：{'、'.join(ROLES)}（部门、评价机构、监管、管理员）")
    ],
    scope: Annotated[
        str, typer.Option(help="授权范围，如 mem:14（部门:省份）、institution:S0123、11、*")
    ],
    label: Annotated[str, typer.Option(help="持有者名称")] = "",
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help="过期时间：日期（如 2027-06-30，当天北京时间结束时失效）"
            "或时长（如 90d、12h、2w）；不填则长期有效",
        ),
    ] = None,
) -> None:
    """创建令牌：密钥只显示这一次，系统只保存其摘要。"""
    try:
        expires_at = parse_expiry(expires) if expires is not None else None
        with cli_session() as session:
            token, secret = create_token(
                session, role=role, scope=scope, label=label, expires_at=expires_at
            )
            session.commit()
    except InputError as exc:
        raise fail(exc) from None
    console.print(f"已创建令牌 {token.id}：角色 {token.role}，授权范围 {token.scope}")
    if expires_at is not None:
        until = expires_at.astimezone(CHINA)
        console.print(f"失效时间 {until:%Y-%m-%d %H:%M}（北京时间）", highlight=False)
    typer.echo(secret)


@app.command("list")
def list_tokens() -> None:
    """列出令牌及其角色、授权范围和状态（不显示密钥）。"""
    table = Table("编号", "前缀", "角色", "授权范围", "持有者", "创建时间", "撤销时间")
    with cli_session() as session:
        for t in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            table.add_row(
                str(t.id),
                t.prefix,
                t.role,
                t.scope,
                t.label,
                str(t.created_at),
                str(t.revoked_at or ""),
            )
    console.print(table)


@app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(help="令牌编号")]) -> None:
    """按编号撤销令牌。"""
    with cli_session() as session:
        if not revoke_token(session, token_id):
            raise fail(InputError("token.unknown", f"没有可撤销的令牌 {token_id}"))
        session.commit()
    console.print(f"已撤销令牌 {token_id}")
