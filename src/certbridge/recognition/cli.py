"""Commands of mutual recognition: evaluate a case, evaluate a scheme's holders, check policy."""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from certbridge import clock
from certbridge.catalog import load_catalog
from certbridge.config import get_settings
from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.recognition import batch, report, service
from certbridge.recognition.policy import (
    PolicyDataError,
    Rule,
    check_policy,
    default_policy_dir,
    load_policy,
)
from certbridge.recognition.schemas import EvaluateRequest, RecognitionAnswer
from certbridge.runtime import cli_session, err_console, fail, keys_from

app = typer.Typer(no_args_is_help=True)
console = Console()


def _as_of(text: str | None) -> date:
    if not text:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(InputError("recognition.as_of", "日期应为YYYY-MM-DD", field="as_of")) from None


def _print_json(text: str) -> None:
    sys.stdout.write(text + "\n")


def recognize(
    input_file: Annotated[
        Path | None,
        typer.Option("--input", help="JSON文件，内容同 POST /api/v1/recognition/evaluate 的请求体"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="持证人姓名（按登记证书评价）")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="证件号码")] = None,
    target: Annotated[str | None, typer.Option("--target", help="拟报考的证书")] = None,
    province: Annotated[
        str | None,
        typer.Option("--province", help="报考省份（两位代码，如35；默认按证书的发证省份）"),
    ] = None,
    education: Annotated[str | None, typer.Option("--education", help="学历，如技工学校")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="评价日期 YYYY-MM-DD（默认今天）")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出API的JSON（含代码，供程序读取）")
    ] = False,
) -> None:
    """What certificates count for: a case from a JSON file (--input, the body of POST
    /api/v1/recognition/evaluate), or a registered holder (--name --id-number). Prints the
    answer in words, or the API's JSON with --json."""
    if (input_file is None) == (name is None or id_number is None):
        raise fail(
            InputError("recognition.mode", "请给出 --input 文件，或同时给出 --name 和 --id-number")
        )
    try:
        if input_file is not None:
            answer = _evaluate_file(input_file, _as_of(as_of), province)
        else:
            settings = get_settings()
            with cli_session(settings) as session:
                answer = service.recognition_for_person(
                    session,
                    name=name or "",
                    id_number=id_number or "",
                    as_of=_as_of(as_of),
                    keys=keys_from(settings),
                    target=target,
                    province=province,
                    education=education,
                )
        if as_json:
            _print_json(answer.model_dump_json(indent=2))
        else:
            report.print_report(console, answer)
    except InputError as exc:
        raise fail(exc) from None
    except NotFound:
        err_console.print(f"[yellow]{NOT_FOUND_MESSAGE}[/yellow]")
        raise typer.Exit(1) from None


def _evaluate_file(path: Path, today: date, province: str | None = None) -> RecognitionAnswer:
    raw = _read_json(path)
    if province is not None and isinstance(raw, dict):
        raw = {**raw, "province": province}  # --province chooses over the file's
    try:
        request = EvaluateRequest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        where = where.lstrip(".") or "input"
        raise InputError(
            "request.invalid", f"{where}：{_invalid(first['type'])}", field=where
        ) from None
    return service.evaluate_request(request, today)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problem = f"找不到文件 {path}"
    except IsADirectoryError:
        problem = f"{path} 是目录，不是文件"
    except PermissionError:
        problem = f"没有读取 {path} 的权限"
    except OSError:
        problem = f"无法读取文件 {path}"
    except UnicodeDecodeError:
        problem = f"{path} 不是UTF-8编码的文本"
    except json.JSONDecodeError as exc:
        problem = f"{path} 第{exc.lineno}行第{exc.colno}列不是有效的JSON"
    raise InputError("recognition.input", problem, field="input")


_INVALID = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段",
    "date_from_datetime_parsing": "日期应为YYYY-MM-DD",
    "date_parsing": "日期应为YYYY-MM-DD",
    "date_type": "日期应为YYYY-MM-DD",
    "literal_error": "取值不在可选范围内（valid、suspended、revoked）",
    "too_long": "条目过多",
    "string_too_long": "内容过长",
    "string_too_short": "不能为空",
    "model_type": "应为JSON对象",
    "dict_type": "应为JSON对象",
    "list_type": "应为JSON数组",
    "bool_type": "应为true或false",
}


def _invalid(kind: str) -> str:
    """A validation error of the request body, in words."""
    return _INVALID.get(kind, "格式不正确")


def recognize_batch(
    scheme: Annotated[
        str,
        typer.Option("--scheme", help="证书体系代码，如 special_operation；all 为全部持证人"),
    ],
    output: Annotated[Path, typer.Option("--output", help="输出文件，每位持证人一行JSON")] = Path(
        "recognition.jsonl"
    ),
    target: Annotated[
        str | None, typer.Option("--target", help="拟报考的证书（默认：全部）")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="评价日期 YYYY-MM-DD（默认今天）")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="进程数")] = 1,
    province: Annotated[
        str | None,
        typer.Option(
            "--province", help="报考省份（两位代码），对所有持证人适用；默认按各人证书的发证省份"
        ),
    ] = None,
) -> None:
    """Evaluate every holder of a scheme from the database; write one JSON line per holder
    and a summary (<output>.summary.json) for planning exam capacity."""
    catalog = load_catalog()
    try:
        scheme_code = None if scheme == "all" else catalog.scheme(scheme).code
        target_type = service.resolve_target(target, catalog)
        province_code = service.check_province(province, catalog)
    except InputError as exc:
        raise fail(exc) from None
    day = _as_of(as_of)
    settings = get_settings()
    with cli_session(settings):
        pass  # migrate first, as every command does
    started = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as out, _progress() as progress:
        task = progress.add_task("互认评价", total=None)
        totals = batch.run_batch(
            settings.resolved_database_url,
            scheme=scheme_code,
            as_of=day,
            target=target_type.code if target_type else None,
            out=out,
            workers=workers,
            on_range=lambda _ids, persons: progress.advance(task, persons),
            province=province_code,
        )
    elapsed = time.perf_counter() - started
    summary = output.with_suffix(output.suffix + ".summary.json")
    batch.write_summary(totals, summary, province_code)
    rate = totals.persons / elapsed if elapsed else 0.0
    console.print(
        f"{totals.persons} 名持证人、{totals.certificates} 张证书，用时 {elapsed:.1f} 秒"
        f"（{rate:,.0f} 人/秒）→ {output}，汇总 {summary}"
    )
    console.print(
        f"适用规定：按报考省份（{report.jurisdiction_name(province_code)}）"
        if province_code
        else "适用规定：按各持证人有效证书的发证省份（多个省份或无有效证书的，只按全国规定）"
    )
    _print_summary(totals)


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


def _print_summary(totals: batch.Totals) -> None:
    table = Table(title="汇总")
    table.add_column("结论", overflow="fold")
    table.add_column("人数", justify="right", no_wrap=True)
    for key, count in sorted(totals.counts.items()):
        table.add_row(report.conclusion(key), f"{count:,}")
    console.print(table)


def policy_check(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="策略目录（默认：CERTBRIDGE_POLICY_DIR 或内置策略）"),
    ] = None,
) -> None:
    """Validate the policy files: unknown types, contradictions, missing citations."""
    where = directory or default_policy_dir()
    problems = check_policy(where)
    if problems:
        for problem in problems:
            err_console.print(f"[red]✗[/red] {problem}")
        err_console.print(f"[red]{len(problems)} 个问题[/red]（{where}）")
        raise typer.Exit(1)
    policy = load_policy(where)
    console.print(
        f"[green]✓[/green] {where}: {len(policy.rules)} 条规则、{len(policy.rows)} 行对应目录、"
        f"{len(policy.documents)} 份文件，未发现问题"
    )


def policy_show(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="评价日期 YYYY-MM-DD（默认今天）")
    ] = None,
    province: Annotated[str | None, typer.Option("--province", help="两位省级代码，如44")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON（含代码，供程序读取）")] = False,
) -> None:
    """The rules in force on a date (national, or as they apply in one province)."""
    day = _as_of(as_of)
    try:
        policy = load_policy()
        province_code = service.check_province(province, load_catalog())
    except PolicyDataError as exc:
        raise fail(InputError("policy.invalid", "；".join(exc.problems[:5]))) from None
    except InputError as exc:
        raise fail(exc) from None
    rules = policy.rules_in_force(day, province_code)
    if as_json:
        _print_json(json.dumps([_rule_json(r) for r in rules], ensure_ascii=False, indent=2))
        return
    where = report.jurisdiction_name(province_code) if province_code else "全国"
    table = Table(title=f"{day} {where}适用的互认规则", show_lines=True)
    table.add_column("编号", no_wrap=True)
    table.add_column("类型", no_wrap=True)
    table.add_column("内容与出处", overflow="fold", ratio=1)
    table.add_column("适用", overflow="fold")
    for rule in rules:
        until = f"至{rule.effective_until}" if rule.effective_until else "起"
        flag = "\n[yellow]未确认[/yellow]" if rule.unconfirmed else ""
        table.add_row(
            rule.id + flag,
            report.RULE_KINDS.get(rule.kind, rule.kind),
            f"{report.describe_rule(rule)}\n[dim]{rule.citation.title}"
            f"{rule.citation.clause}：“{rule.citation.text}”[/dim]",
            f"{report.jurisdiction_name(rule.jurisdiction)}\n{rule.effective_from}{until}",
        )
    console.print(table)


def _describe(rule: Rule) -> str:
    return report.describe_rule(rule)


def _rule_json(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "kind": rule.kind,
        "jurisdiction": rule.jurisdiction,
        "effective_from": str(rule.effective_from),
        "effective_until": str(rule.effective_until) if rule.effective_until else None,
        "unconfirmed": rule.unconfirmed,
        "description": _describe(rule),
        "citation": {
            "document": rule.citation.document,
            "title": rule.citation.title,
            "clause": rule.citation.clause,
            "text": rule.citation.text,
        },
    }


app.command("evaluate")(recognize)
app.command("batch")(recognize_batch)
app.command("policy-check")(policy_check)
app.command("policy-show")(policy_show)
