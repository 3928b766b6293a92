"""Commands: `credential issue|verify|bundle|pdf|sync-status`, plus `keys` (top level).
Status changes (`certificate …`) are the registry's (registry/cli.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.config import get_settings
from certbridge.credentials import service
from certbridge.credentials.bundle import offline_verifier, write_bundle
from certbridge.credentials.did import did_document_url, slug_of
from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.settings import get_credential_settings, trust_roots
from certbridge.credentials.trustlist import dev_root_public
from certbridge.credentials.verify import Verdict, load_json
from certbridge.errors import NOT_FOUND_MESSAGE, InputError, NotFound
from certbridge.registry import cli as registry_cli
from certbridge.registry.models import Certificate
from certbridge.registry.service import certificate_for_change, check_number_shape
from certbridge.runtime import cli_session, err_console, fail, keys_from

app = typer.Typer(no_args_is_help=True, help="数字证书：签发、核验、离线包、打印版")
keys_app = typer.Typer(no_args_is_help=True, help="发证方密钥（did:web）")
# Status changes are the registry's commands (registry/cli.py), still importable from here.
certificate_app = registry_cli.certificate_app
console = Console()

TypeOption = Annotated[str | None, typer.Option("--type", help="证书类型（一个编号下有多个时）")]


def _certificate(session: Session, number: str, type_text: str | None) -> Certificate:
    check_number_shape(number)
    return certificate_for_change(session, number, keys_from(get_settings()), type_text)


def _issuance() -> service.Issuance:
    settings = get_settings()
    return service.issuance_from(settings, keys_from(settings))


def _guarded(action: Any) -> Any:
    try:
        return action()
    except InputError as exc:
        raise fail(exc) from None
    except NotFound:
        err_console.print(f"[yellow]{NOT_FOUND_MESSAGE}[/yellow]")
        raise typer.Exit(1) from None


@app.command("issue")
def issue(
    number: Annotated[str, typer.Argument(help="证书编号")],
    type_text: TypeOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="写入文件而不是打印")] = None,
) -> None:
    """Issue the certificate as a signed credential and print it (JSON)."""

    def run() -> dict[str, Any]:
        with cli_session() as session:
            credential = service.issue_credential(
                session, _issuance(), _certificate(session, number, type_text)
            )
            session.commit()
            return credential

    credential = _guarded(run)
    text = json.dumps(credential, ensure_ascii=False, indent=2)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="数字证书 JSON 文件")],
    offline: Annotated[
        Path | None, typer.Option("--offline", help="离线核验：用此目录中的离线包")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    max_age_days: Annotated[
        int | None,
        typer.Option(
            "--max-age-days",
            min=0,
            help="离线核验：状态列表最多可早于今天几天"
            "（默认取 CERTBRIDGE_MAX_OFFLINE_AGE_DAYS，7 天）",
        ),
    ] = None,
    trust_list: Annotated[
        Path | None,
        typer.Option("--trust-list", help="离线核验：改用此信任清单文件（比离线包中的更新时）"),
    ] = None,
) -> None:
    """Verify a credential; exit 0 only if every check passed."""
    settings = get_settings()
    try:
        text = file.read_bytes()
    except OSError:
        raise fail(InputError("file.unreadable", f"无法读取文件：{file}", field="file")) from None
    if offline is not None:
        cs = get_credential_settings()
        verifier = _guarded(
            lambda: offline_verifier(
                offline,
                contexts=credential_contexts(settings.public_base_url.rstrip("/")),
                roots=trust_roots(settings, cs),
                age_limit=service.offline_age_limit(cs, max_age_days),
                trust_list=_read_trust_list(trust_list) if trust_list else None,
                max_bytes=cs.max_credential_bytes,
            )
        )
        verdict = verifier.verify_text(text)
    else:
        with cli_session(settings) as session:
            issuance = service.issuance_from(settings, keys_from(settings))
            verdict = service.online_verifier(session, issuance, clock.today()).verify_text(text)
            session.commit()
    _print_verdict(verdict, as_json)
    if not verdict.verified:
        raise typer.Exit(1)


def _read_trust_list(path: Path) -> dict[str, Any]:
    try:
        loaded = load_json(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        raise fail(
            InputError("trust.file", f"无法读取信任清单文件：{path}", field="trust_list")
        ) from None
    if not isinstance(loaded, dict):
        raise fail(InputError("trust.file", "信任清单应为 JSON 对象", field="trust_list"))
    return loaded


def _print_verdict(verdict: Verdict, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(verdict.as_dict(), ensure_ascii=False))
        return
    colour = "green" if verdict.verified else "red"
    console.print(f"[{colour}]{verdict.summary}[/{colour}]", highlight=False)
    marks = {True: "[green]通过[/green]", False: "[red]未通过[/red]", None: "[dim]未执行[/dim]"}
    for check in verdict.checks:
        console.print(f"  {marks[check.ok]}  {check.label}：{check.detail}", highlight=False)
    for line in verdict.notes:
        console.print(f"  {line}", highlight=False)


@app.command("bundle")
def bundle(
    number: Annotated[str, typer.Argument(help="证书编号")],
    directory: Annotated[Path, typer.Argument(help="输出目录")],
    type_text: TypeOption = None,
) -> None:
    """Issue the credential and write everything an offline verifier needs to DIR."""
    settings = get_settings()
    base_url = settings.public_base_url.rstrip("/")

    def run() -> dict[str, Any]:
        with cli_session(settings) as session:
            issuance = _issuance()
            credential = service.issue_credential(
                session, issuance, _certificate(session, number, type_text)
            )
            did = credential["issuer"]["id"]
            slug = slug_of(base_url, did) or ""
            lists = {
                entry["statusListCredential"]: service.status_list_credential(
                    session,
                    issuance,
                    slug,
                    entry["statusPurpose"],
                    int(entry["statusListCredential"].rsplit("/", 1)[1]),
                )
                for entry in credential["credentialStatus"]
            }
            manifest = write_bundle(
                directory,
                credential=credential,
                base_url=base_url,
                did_documents={did: service.did_document_of(session, base_url, slug)},
                did_urls={did: did_document_url(base_url, slug)},
                status_lists=lists,
                trust_list=service.current_trust_list(session, issuance),
            )
            session.commit()
            return manifest

    manifest = _guarded(run)
    console.print(
        f"离线包已写入 {directory}（{len(manifest['documents'])} 个文档，见 manifest.json）"
    )


@app.command("pdf")
def pdf(
    number: Annotated[str, typer.Argument(help="证书编号")],
    file: Annotated[Path, typer.Argument(help="输出的 PDF 文件")],
    type_text: TypeOption = None,
) -> None:
    """The printable A4 certificate, its QR code leading to the /v/{token} page."""
    settings = get_settings()

    def run() -> bytes:
        with cli_session(settings) as session:
            certificate = _certificate(session, number, type_text)
            token = service.verification_token(session, certificate)
            url = f"{settings.public_base_url.rstrip('/')}/v/{token.token}"
            content = service.printable_pdf(certificate, url)
            session.commit()
            return content

    file.write_bytes(_guarded(run))
    console.print(f"已生成 {file}")


@app.command("sync-status")
def sync_status(
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help=f"自哪一天起生效的变更（默认 {service.SYNC_LOOK_BACK_DAYS} 天前；停运后补跑时用）",
        ),
    ] = None,
) -> None:
    """Publish the suspensions, reinstatements and revocations whose day has come in the
    status lists (run daily, e.g. from cron)."""
    today = clock.today()
    if since is not None and since.date() > today:
        raise fail(InputError("sync.since", "--since 不能晚于今天", field="since"))
    with cli_session() as session:
        changed = service.sync_due_status_bits(session, today, since.date() if since else None)
    console.print(f"已按 {today} 的状态核对状态列表：{changed} 张证书的状态位已更新")


@keys_app.command("rotate")
def rotate(issuer: Annotated[str, typer.Argument(help="发证方，例如 mem-14 或 org-…")]) -> None:
    """Start signing with a new key; earlier keys stay in the DID document."""

    def run() -> str:
        with cli_session() as session:
            key = service.rotate_key(session, _issuance(), issuer)
            session.commit()
            return key.public_key_multibase

    console.print(f"{issuer} 的新签名密钥：{_guarded(run)}")


@keys_app.command("compromise")
def compromise(
    issuer: Annotated[str, typer.Argument(help="发证方")],
    public_key: Annotated[str, typer.Argument(help="公钥（publicKeyMultibase）")],
    since: Annotated[datetime, typer.Option("--since", help="自此时刻（UTC）起的签名一律无效")],
) -> None:
    """Mark a key compromised: its signatures from SINCE on fail verification."""

    def run() -> None:
        with cli_session() as session:
            moment = since if since.tzinfo else since.replace(tzinfo=UTC)
            service.mark_compromised(session, issuer, public_key, moment)
            session.commit()

    _guarded(run)
    console.print(f"已标记泄露：{public_key}（自 {since:%Y-%m-%d %H:%M} 起）")


@keys_app.command("root-create")
def root_create() -> None:
    """Create a new registry root key (signs the trust list of issuers) in the key store."""

    def run() -> tuple[str, tuple[str, ...]]:
        issuance = _issuance()
        return service.create_root_key(issuance), issuance.trust_roots

    public, configured = _guarded(run)
    console.print(f"新的信任根公钥：{public}", highlight=False)
    console.print(
        "启用步骤：先把它加入各核验方信任的根公钥，再在本系统设置 "
        f"CERTBRIDGE_TRUST_ROOT_KEY={','.join([public, *configured])}（第一个用于签名）；"
        "各核验方都换上新信任清单后，再去掉旧的根公钥。",
        highlight=False,
    )


@keys_app.command("root-show")
def root_show() -> None:
    """The configured root public keys, and whether the key store holds their private keys."""

    def run() -> list[tuple[str, bool]]:
        issuance = _issuance()
        return [(r, issuance.store.holds(service.ROOT_SLUG, r)) for r in issuance.trust_roots]

    for index, (root, held) in enumerate(_guarded(run)):
        role = "签名用" if index == 0 else "仅核验"
        dev = "（开发用，生产环境拒绝）" if root == dev_root_public() else ""
        where = "私钥在密钥库中" if held else "密钥库中无私钥"
        console.print(f"{root}  {role}  {where}{dev}", highlight=False)


@keys_app.command("list")
def list_keys(issuer: Annotated[str, typer.Argument(help="发证方")]) -> None:
    with cli_session() as session:
        for key in service.issuer_keys(session, issuer):
            state = "泄露" if key.compromised_from else ("已轮换" if key.retired_at else "使用中")
            console.print(f"{key.public_key_multibase}  {state}  创建于 {key.created_at:%Y-%m-%d}")
