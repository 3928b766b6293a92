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

app = typer.Typer(help="数据库迁移与检查", no_args_is_help=True)
console = Console()


@app.command()
def upgrade() -> None:
    """把配置的数据库升级到最新版本，并结算证书状态。"""
    url = get_settings().resolved_database_url
    migrations.upgrade(url)
    console.print("数据库已是最新版本")
    _settle(url)


@app.command()
def settle() -> None:
    """结算尚未结算的证书状态（例如升级之后），批量读取时无需重放状态记录。"""
    _settle(get_settings().resolved_database_url)


def _settle(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            count = settle_stale(connection)
    finally:
        engine.dispose()
    if count:
        console.print(f"已结算 {count:,} 本证书的状态")


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
    """数据模型与迁移脚本不一致时失败（持续集成中运行）。"""
    differences = drift(get_settings().resolved_database_url)
    if differences:
        for difference in differences:
            console.print(f"[red]不一致：[/red]{difference}", soft_wrap=True)
        raise typer.Exit(1)
    console.print("数据模型与迁移脚本一致")
