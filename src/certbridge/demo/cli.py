"""`certbridge demo-data`: a realistic synthetic registry, reproducible by seed."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from certbridge import clock, migrations
from certbridge.config import get_settings
from certbridge.db import make_engine
from certbridge.demo.writer import database_is_empty, write_demo
from certbridge.errors import InputError
from certbridge.runtime import fail, keys_from

console = Console()


def demo_data(
    people: Annotated[int, typer.Option("--people", min=1, help="持证人数")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="随机种子：种子和基准日期相同，数据就相同")
    ] = 1,
    samples: Annotated[
        Path | None, typer.Option("--samples", help="把几位可试用的持证人写入此 JSON 文件")
    ] = None,
    anchor: Annotated[
        str | None, typer.Option("--anchor", help="数据的“今天”，YYYY-MM-DD（默认：今天）")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="数据库中已有持证人时不再生成")
    ] = False,
) -> None:
    """在配置的数据库中生成合成的持证人、证书和评价机构（演示用）。"""
    settings = get_settings()
    url = settings.resolved_database_url
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        if if_empty and not database_is_empty(engine):
            console.print(f"演示数据库已有数据，未重新生成：{_safe_url(url)}", soft_wrap=True)
            _show_samples(samples)
            return
        anchor_day = _parse_anchor(anchor)
        started = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task("生成演示数据", total=people)
            summary = write_demo(
                engine,
                people=people,
                seed=seed,
                anchor=anchor_day,
                keys=keys_from(settings),
                on_progress=lambda n: progress.advance(task, n),
            )
        elapsed = time.perf_counter() - started
    except InputError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()
    console.print(
        f"已生成 {summary.people} 名持证人、{summary.certificates} 本证书、"
        f"{summary.institutions} 家评价机构，用时 {elapsed:.1f} 秒"
        f"（每秒 {summary.certificates / elapsed:,.0f} 本）→ {_safe_url(url)}",
        soft_wrap=True,
    )
    if samples is not None:
        samples.parent.mkdir(parents=True, exist_ok=True)
        samples.write_text(json.dumps(summary.samples, ensure_ascii=False, indent=2), "utf-8")
        _show_samples(samples)


def _parse_anchor(anchor: str | None) -> date:
    if anchor is None:
        return clock.today()
    try:
        return date.fromisoformat(anchor)
    except ValueError:
        raise InputError("demo.anchor", "--anchor 应为 YYYY-MM-DD 格式的日期") from None


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _safe_url(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


SHOWS = {
    "three_schemes": "跨部门持证（应急管理、住建、人社）",
    "skill_level": "职业技能等级证书",
    "expired": "含已失效证书",
    "revoked": "含已撤销（吊销）证书",
    "suspended": "含暂扣（暂停）证书",
    "cancelled": "含已注销证书",
    "review_due": "含待复审证书",
}


def _show_samples(path: Path | None) -> None:
    """Plain lines rather than a table, so numbers are never cut and can be copied."""
    if path is None or not path.exists():
        return
    base = get_settings().public_base_url.rstrip("/")
    samples = json.loads(path.read_text("utf-8"))
    console.print("[bold]试一试这些演示持证人（合成数据）[/bold]")
    for sample in samples:
        console.print(
            f"  [cyan]{SHOWS.get(sample['shows'], sample['shows'])}[/cyan]："
            f"姓名 {sample['name']}  证件号码 {sample['id_number']}",
            soft_wrap=True,
        )
        console.print(f"    证书编号 {'、'.join(sample['certificates'])}", soft_wrap=True)
        if sample.get("verification_path"):
            console.print(f"    核验页 {base}{sample['verification_path']}", soft_wrap=True)
    if samples:
        first = samples[0]
        console.print(
            f"例：curl -G {base}/api/v1/certificates "
            f"--data-urlencode 'name={first['name']}' "
            f"--data-urlencode 'id_number={first['id_number']}'",
            soft_wrap=True,
        )
