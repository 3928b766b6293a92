"""`certbridge db …`: migrations and the drift check."""

from __future__ import annotations

import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from rich.console import Console

from certbridge import migrations
from certbridge.config import get_settings
from certbridge.db import make_engine
from certbridge.models import metadata
from certbridge.registry.settlement import settle_stale

app = typer.Typer(help="database migrations", no_args_is_help=True)
console = Console()


@app.command()
def upgrade() -> None:
    """Migrate the configured database to the newest revision."""
    url = get_settings().resolved_database_url
    migrations.upgrade(url)
    console.print("database is at the newest revision")
    _settle(url)


@app.command()
def settle() -> None:
    """Settle the status of every certificate that has no settlement yet (after an upgrade,
    for instance): batch readers then need not replay event logs."""
    _settle(get_settings().resolved_database_url)


def _settle(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            count = settle_stale(connection)
    finally:
        engine.dispose()
    if count:
        console.print(f"settled the status of {count:,} certificates")


def drift(url: str) -> list[object]:
    """Differences between the models and a database migrated to head."""
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


@app.command()
def check() -> None:
    """Fail when the models and the migrations disagree (run in CI)."""
    differences = drift(get_settings().resolved_database_url)
    if differences:
        for difference in differences:
            console.print(f"[red]drift:[/red] {difference}")
        raise typer.Exit(1)
    console.print("models and migrations agree")
