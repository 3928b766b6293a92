"""What command-line entry points share: a migrated database, keys, error printing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from certbridge import migrations
from certbridge.config import Settings, get_settings
from certbridge.db import make_engine, make_session_factory
from certbridge.errors import InputError
from certbridge.registry.service import Keys

err_console = Console(stderr=True)


def keys_from(settings: Settings) -> Keys:
    return Keys(settings.hash_key_bytes, settings.seal_key_bytes)


@contextmanager
def cli_session(settings: Settings | None = None, *, migrate: bool = True) -> Iterator[Session]:
    """A session on the configured database, migrated to head first."""
    settings = settings or get_settings()
    url = settings.resolved_database_url
    if migrate:
        migrations.upgrade(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def fail(error: InputError, exit_code: int = 2) -> typer.Exit:
    """Print a refusal the way a person reads it, and the exit to raise."""
    field = f"（{error.field}）" if error.field else ""
    err_console.print(f"[red]错误{field}：{error.message}[/red] [dim]{error.code}[/dim]")
    return typer.Exit(exit_code)
