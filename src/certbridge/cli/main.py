"""The `certbridge` command: every chore in one place."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from certbridge.auth import cli as auth_cli
from certbridge.cli import db as db_cli
from certbridge.credentials import cli as credentials_cli
from certbridge.credentials import service as credentials_service
from certbridge.demo import cli as demo_cli
from certbridge.exchange import cli as exchange_cli
from certbridge.http.logging import private_excepthook
from certbridge.query import cli as query_cli
from certbridge.recognition import cli as recognition_cli
from certbridge.registry.hooks import on_state_change

app = typer.Typer(
    help="certbridge: 职业技能证书一网通查 (registry, query, exchange, credentials)",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db")
app.add_typer(auth_cli.app, name="token")
app.command("query")(query_cli.query)
app.command("demo-data")(demo_cli.demo_data)
# Domain command groups; each domain's cli.py adds its own commands to its Typer app.
app.add_typer(exchange_cli.app, name="exchange", help="department data exchange (import, export)")
app.command("import")(exchange_cli.import_files)
app.command("import-report")(exchange_cli.import_report)
app.command("export")(exchange_cli.export)
app.add_typer(credentials_cli.app, name="credential", help="verifiable credentials")
app.add_typer(credentials_cli.keys_app, name="keys", help="发证方密钥（did:web）")
app.add_typer(
    credentials_cli.certificate_app, name="certificate", help="证书状态：注销、暂停、恢复"
)
# Status changes made from the command line flip credential status bits too.
on_state_change(credentials_service.sync_status_bits)
app.add_typer(recognition_cli.app, name="recognition", help="mutual recognition (互通互认)")
app.command("recognize")(recognition_cli.recognize)
app.command("recognize-batch")(recognition_cli.recognize_batch)
policy_app = typer.Typer(help="mutual-recognition policy files", no_args_is_help=True)
policy_app.command("check")(recognition_cli.policy_check)
policy_app.command("show")(recognition_cli.policy_show)
app.add_typer(policy_app, name="policy")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Migrate the database, then serve the web app and API."""
    import uvicorn

    from certbridge import migrations
    from certbridge.config import get_settings
    from certbridge.http.logging import configure_logging

    settings = get_settings()
    migrations.upgrade(settings.resolved_database_url)
    configure_logging()
    uvicorn.run(
        "certbridge.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our own access log never records query strings
        log_config=None,
        # Who a request came from is decided in one place (http.clients, from
        # CERTBRIDGE_TRUSTED_PROXIES); uvicorn would otherwise rewrite it from X-Forwarded-For.
        proxy_headers=False,
    )


def main() -> None:
    """The `certbridge` entry point: an unexpected error prints its frames and type, never
    its arguments (a database error's message carries row values)."""
    try:
        app()
    except Exception as error:
        private_excepthook(type(error), error, error.__traceback__)
        sys.exit(1)


if __name__ == "__main__":
    main()
