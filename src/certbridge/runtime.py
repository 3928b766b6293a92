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


# Inputs as a person names them; a field without a label is left out rather than shown in
# English. The error code is for programs (the --json outputs and the API), not printed here.
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "证件号码",
    "number": "证书编号",
    "file": "文件",
    "input": "输入文件",
    "province": "省份",
    "department": "部门",
    "scheme": "证书类别",
    "role": "角色",
    "scope": "授权范围",
    "port": "端口",
    "anchor": "基准日期",
}


def fail(error: InputError, exit_code: int = 2) -> typer.Exit:
    """Print a refusal the way a person reads it, and the exit to raise."""
    label = FIELD_LABELS.get(error.field or "")
    field = f"（{label}）" if label else ""
    err_console.print(f"[red]错误{field}：{error.message}[/red]", soft_wrap=True)
    return typer.Exit(exit_code)
