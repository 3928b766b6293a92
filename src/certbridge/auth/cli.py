"""`certbridge token …`: API tokens for the write side."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from certbridge.auth.models import ApiToken
from certbridge.auth.scopes import ROLES
from certbridge.auth.service import create_token, revoke_token
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
) -> None:
    """Create a token; the secret is printed once and only its hash is stored."""
    try:
        with cli_session() as session:
            token, secret = create_token(session, role=role, scope=scope, label=label)
            session.commit()
    except InputError as exc:
        raise fail(exc) from None
    console.print(f"token id {token.id} role={token.role} scope={token.scope}")
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
