"""The `certbridge` command: every chore in one place."""

from __future__ import annotations

import socket
import sys
from typing import Annotated

import typer
from typer import rich_utils

from certbridge.auth import cli as auth_cli
from certbridge.cli import db as db_cli
from certbridge.credentials import cli as credentials_cli
from certbridge.credentials import service as credentials_service
from certbridge.demo import cli as demo_cli
from certbridge.errors import InputError
from certbridge.exchange import cli as exchange_cli
from certbridge.http.logging import private_excepthook
from certbridge.query import cli as query_cli
from certbridge.recognition import cli as recognition_cli
from certbridge.registry import cli as registry_cli
from certbridge.registry.hooks import on_state_change
from certbridge.runtime import fail

# Typer's own words on help screens, in Chinese like ours. (Click's "Usage:" line and the
# "--help" option's text stay as Click writes them.)
rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
rich_utils.OPTIONS_PANEL_TITLE = "选项"
rich_utils.COMMANDS_PANEL_TITLE = "命令"
rich_utils.ERRORS_PANEL_TITLE = "错误"
rich_utils.ABORTED_TEXT = "已中止。"
rich_utils.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
rich_utils.DEFAULT_STRING = "[默认：{}]"
rich_utils.REQUIRED_LONG_STRING = "[必填]"
rich_utils.ENVVAR_STRING = "[环境变量：{}]"

app = typer.Typer(
    help="certbridge：职业技能证书一网通查（证书登记、查询、数据交换、数字证书、互通互认）",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,  # shell-completion options, in English and not needed here
)
app.add_typer(db_cli.app, name="db")
app.add_typer(auth_cli.app, name="token")
app.command("query")(query_cli.query)
app.command("demo-data")(demo_cli.demo_data)
# Domain command groups; each domain's cli.py adds its own commands to its Typer app.
app.add_typer(exchange_cli.app, name="exchange", help="部门数据交换（导入、导出）")
app.command("import")(exchange_cli.import_files)
app.command("import-report")(exchange_cli.import_report)
app.command("export")(exchange_cli.export)
app.add_typer(credentials_cli.app, name="credential", help="数字证书（可验证凭证）")
app.add_typer(credentials_cli.keys_app, name="keys", help="发证方密钥（did:web）")
app.add_typer(
    registry_cli.certificate_app, name="certificate", help="证书状态：暂扣、恢复、撤销、注销"
)
# Status changes made from the command line flip credential status bits too.
on_state_change(credentials_service.sync_status_bits)
app.add_typer(recognition_cli.app, name="recognition", help="证书互通互认")
app.command("recognize")(recognition_cli.recognize)
app.command("recognize-batch")(recognition_cli.recognize_batch)
policy_app = typer.Typer(help="互通互认政策文件", no_args_is_help=True)
policy_app.command("check")(recognition_cli.policy_check)
policy_app.command("show")(recognition_cli.policy_show)
app.add_typer(policy_app, name="policy")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数")] = 1,
) -> None:
    """升级数据库，然后启动网站和接口服务。"""
    import uvicorn

    from certbridge import migrations
    from certbridge.config import get_settings
    from certbridge.http.logging import configure_logging

    _check_port_free(host, port)
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
        # A worker that has not answered its supervisor in time is killed and started
        # again; on a busy machine importing the app alone takes longer than uvicorn's 5 s,
        # and `--workers 2` then never comes up.
        timeout_worker_healthcheck=60,
    )


def _check_port_free(host: str, port: int) -> None:
    """Refuse in Chinese before uvicorn fails in English on a port already taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise fail(
                InputError(
                    "serve.port",
                    f"{host}:{port} 已被占用（可能已有服务在运行），请用 --port 换一个端口",
                    field="port",
                )
            ) from None


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
