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

app = typer.Typer(
    help="API tokens (department, institution, regulator, admin)", no_args_is_help=True
)
console = Console()


@app.command("create")
def create(
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")],
    scope: Annotated[str, typer.Option(help="e.g. mem:14 (department), institution:S0123, 11, *")],
    label: Annotated[str, typer.Option(help="who holds it")] = "",
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help="过期时间：日期（如 2027-06-30，当天北京时间结束时失效）"
            "或时长（如 90d、12h、2w）；不填则长期有效",
        ),
    ] = None,
) -> None:
    """Create a token; the secret is printed once and only its hash is stored."""
    try:
        expires_at = parse_expiry(expires) if expires is not None else None
        with cli_session() as session:
            token, secret = create_token(
                session, role=role, scope=scope, label=label, expires_at=expires_at
            )
            session.commit()
    except InputError as exc:
        raise fail(exc) from None
    console.print(f"token id {token.id} role={token.role} scope={token.scope}")
    if expires_at is not None:
        until = expires_at.astimezone(CHINA)
        console.print(f"失效时间 {until:%Y-%m-%d %H:%M}（北京时间）", highlight=False)
    typer.echo(secret)


@app.command("list")
def list_tokens() -> None:
    """Tokens with their role, scope and state (never the secret)."""
    table = Table("id", "prefix", "role", "scope", "label", "created", "revoked")
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
def revoke(token_id: int) -> None:
    """Revoke a token by id."""
    with cli_session() as session:
        if not revoke_token(session, token_id):
            raise fail(InputError("token.unknown", f"没有可撤销的令牌 {token_id}"))
        session.commit()
    console.print(f"revoked token {token_id}")
