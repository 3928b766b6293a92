"""`certbridge certificate suspend|reinstate|revoke|cancel`: status changes by the issuing
department, appended to the history (the same rules as the API's status route)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from certbridge import clock
from certbridge.config import get_settings
from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.registry.service import certificate_for_change, check_number_shape, record_event
from certbridge.runtime import cli_session, err_console, fail, keys_from

certificate_app = typer.Typer(no_args_is_help=True, help="证书状态：暂扣、恢复、撤销（吊销）、注销")
console = Console()

NumberArgument = Annotated[str, typer.Argument(help="证书编号")]
ReasonOption = Annotated[str, typer.Option("--reason", help="原因（记入状态历史）")]
TypeOption = Annotated[str | None, typer.Option("--type", help="证书类型（一个编号下有多个时）")]
EffectiveOption = Annotated[
    datetime | None,
    typer.Option(
        "--effective-on",
        formats=["%Y-%m-%d"],
        help="生效日期（默认今天；暂扣、撤销等可提前登记，天数见设置）",
    ),
]

WordOption = Annotated[
    str,
    typer.Option("--word", help="发证部门的用语：暂扣或暂停、撤销或吊销、注销（默认按证书类别）"),
]


def _change(
    kind: str, number: str, reason: str, type_text: str | None, on: datetime | None, word: str
) -> str:
    """Record the change; the words the department used, for the confirmation."""
    if not reason.strip():
        raise fail(InputError("status.reason", "请填写变更原因", field="reason"))
    settings = get_settings()
    try:
        with cli_session() as session:
            check_number_shape(number)
            certificate = certificate_for_change(session, number, keys_from(settings), type_text)
            event = record_event(
                session,
                certificate,
                kind=kind,
                effective_on=on.date() if on else clock.today(),
                actor="cli",
                reason=reason,
                source="cli",
                word=word,
                schedule_days=settings.scheduled_change_days,
            )
            session.commit()
            changed = event.word or "恢复"
            return f"证书 {certificate.number_display} 自{event.effective_on}起{changed}"
    except InputError as exc:
        raise fail(exc) from None
    except NotFound:
        err_console.print(f"[yellow]{NOT_FOUND_MESSAGE}[/yellow]")
        raise typer.Exit(1) from None


def _command(kind: str) -> Any:
    def command(
        number: NumberArgument,
        reason: ReasonOption,
        type_text: TypeOption = None,
        effective_on: EffectiveOption = None,
        word: WordOption = "",
    ) -> None:
        done = _change(kind, number, reason, type_text, effective_on, word)
        console.print(f"{done}，状态历史与数字证书状态列表已更新")

    return command


certificate_app.command("suspend", help="暂扣证书（住建、应急管理用语；人社证书为暂停）")(
    _command("suspended")
)
certificate_app.command("reinstate", help="恢复被暂扣的证书")(_command("reinstated"))
certificate_app.command("revoke", help="撤销或吊销证书（处罚或取得有误；不可恢复）")(
    _command("revoked")
)
certificate_app.command("cancel", help="注销证书（持证人死亡、本人申请，或撤销后注销）")(
    _command("cancelled")
)
