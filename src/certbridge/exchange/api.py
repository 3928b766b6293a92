"""Batch endpoint (a department sends a file, gets the run report back) and the name
conflicts its rows may open (list, show, resolve)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from certbridge.auth.scopes import department_may_act
from certbridge.auth.service import Principal
from certbridge.config import Settings
from certbridge.errors import InputError
from certbridge.exchange import conflicts, service
from certbridge.exchange.locks import ImportInProgress
from certbridge.exchange.profile import Profile, load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.schemas import ConflictList, ConflictView, Resolution, RunReport
from certbridge.http.deps import (
    BatchLimit,
    Forbidden,
    KeysDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TodayDep,
)
from certbridge.http.errors import error_response
from certbridge.http.schemas import ErrorResponse
from certbridge.registry.service import Keys

router = APIRouter(prefix="/api/v1/exchange", tags=["数据交换 (exchange)"])

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "no or unknown token"},
    403: {"model": ErrorResponse, "description": "not a department, or not its scheme/province"},
    409: {"model": ErrorResponse, "description": "the same file is being imported (retry later)"},
    413: {"model": ErrorResponse, "description": "the upload is larger than the limit"},
    422: {"model": ErrorResponse, "description": "the file cannot be imported, with the reason"},
}
CONFLICT_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "no or unknown token"},
    404: {"model": ErrorResponse, "description": "no such conflict, or not one of yours"},
}
MAX_NAME = 255
FORM_OVERHEAD = 64 << 10  # multipart boundaries and the small fields around the file
_FIELD_LIMITS = {"profile": 64, "province": 2, "encoding": 16, "sheet": 64}
_BATCH_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "profile"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV, XLSX or JSONL in the profile's format",
                        },
                        "profile": {
                            "type": "string",
                            "maxLength": 64,
                            "description": "import profile, e.g. standard",
                        },
                        "province": {
                            "type": "string",
                            "maxLength": 2,
                            "description": "issuer's province (if the token has several)",
                        },
                        "encoding": {
                            "type": "string",
                            "maxLength": 16,
                            "description": "utf-8, gbk or gb18030",
                        },
                        "sheet": {"type": "string", "maxLength": 64, "description": "XLSX sheet"},
                    },
                }
            }
        },
    }
}


class _TooLarge(Exception):
    pass


@router.post(
    "/batches",
    response_model=RunReport,
    responses=ERRORS,
    openapi_extra=_BATCH_FORM,
    dependencies=[BatchLimit],
)
async def post_batch(
    request: Request,
    session: SessionDep,
    keys: KeysDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Any:
    """Import a batch with the same validation as `certbridge import`. A department token may
    only send its own scheme's records issued in its own province; sending the same file
    again changes nothing (or resumes an interrupted or failed batch). The answer is the
    run report (200) whatever became of the rows: `status` and `summary` say it, also
    when every row was rejected. The upload is limited to CERTBRIDGE_MAX_UPLOAD_BYTES,
    counted while it arrives (413)."""
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        return _too_large(request, limit)
    try:
        form = await Request(request.scope, _counted(request.receive, limit)).form(
            max_files=1, max_fields=len(_FIELD_LIMITS)
        )
    except _TooLarge:
        return _too_large(request, limit)
    try:
        return await _import_upload(request, form, session, keys, settings, principal)
    finally:
        await form.close()


async def _import_upload(
    request: Request,
    form: FormData,
    session: Session,
    keys: Keys,
    settings: Settings,
    principal: Principal,
) -> Any:
    limit = settings.max_upload_bytes
    values = {name: _field(form.get(name), name) for name in _FIELD_LIMITS}
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InputError("request.invalid", "缺少必填参数：file", field="file")
    if values["profile"] is None:
        raise InputError("request.invalid", "缺少必填参数：profile", field="profile")
    chosen = load_profile(values["profile"])
    issuer = _issuer(principal, chosen, values["province"])
    name = Path(upload.filename or "batch").name[:MAX_NAME] or "batch"
    import_request = service.ImportRequest(
        profile=chosen,
        issuer=issuer,
        actor=principal.actor,
        channel="api",
        sheet=values["sheet"],
        encoding=values["encoding"],
        limits=service.limits_from(settings),
        file_store=service.file_store(settings),
    )
    with tempfile.TemporaryDirectory(prefix="certbridge-batch-") as folder:
        path = Path(folder) / ("upload" + Path(name).suffix.lower())
        if await run_in_threadpool(_save, upload, path) > limit:
            return _too_large(request, limit)
        try:
            return await run_in_threadpool(
                service.import_file, session, path, import_request, keys, display_name=name
            )
        except (ImportInProgress, service.ImportBusy) as busy:
            return error_response(request, 409, busy.code, busy.message, busy.field)


def _counted(receive: Callable[[], Awaitable[Any]], limit: int) -> Callable[[], Awaitable[Any]]:
    """The request body as it arrives, refused past the limit (not after it was stored)."""
    received = 0

    async def counted() -> Any:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit + FORM_OVERHEAD:
            raise _TooLarge
        return message

    return counted


def _too_large(request: Request, limit: int) -> Response:
    return error_response(
        request,
        413,
        "upload.too_large",
        f"上传的文件超过上限（{limit}字节），请拆分后分批提交",
        "file",
    )


def _field(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > _FIELD_LIMITS[name]:
        raise InputError("request.invalid", f"参数{name}格式不正确或过长", field=name)
    return value


def _save(upload: UploadFile, path: Path) -> int:
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1 << 20)
    return path.stat().st_size


def _issuer(principal: Principal, profile: Profile, province: str | None) -> Issuer:
    """The department and province the token answers for; refuses anything else."""
    if principal.role != "department":
        raise Forbidden("只有发证部门的令牌可以提交数据批次")
    departments = {g.split(":", 1)[0] for g in principal.grants}
    department = profile.department or (departments.pop() if len(departments) == 1 else None)
    if department is None:
        raise InputError(
            "exchange.department", "该令牌涵盖多个部门，请使用本部门的导入格式", field="profile"
        )
    if department not in {g.split(":", 1)[0] for g in principal.grants}:
        raise Forbidden("该令牌无权提交其他部门的证书数据（仅限本部门、本省）")
    if province is None:
        provinces = {g.split(":", 1)[1] for g in principal.grants if g.startswith(f"{department}:")}
        if len(provinces) != 1 or "*" in provinces:
            raise InputError(
                "exchange.province", "请用 province 指明发证机关所在省份", field="province"
            )
        province = provinces.pop()
    if not department_may_act(principal.grants, department, province):
        raise Forbidden("该令牌无权提交其他省份的证书数据（仅限本部门、本省）")
    return Issuer(department, province)


# ---------------------------------------------------------------- name conflicts


ConflictId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


def _party(principal: Principal) -> conflicts.Party:
    return conflicts.Party(principal.role, principal.grants, principal.actor)


@router.get("/conflicts", response_model=ConflictList, responses=CONFLICT_ERRORS)
def list_conflicts(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[Literal["open", "resolved", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = conflicts.LIST_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ConflictList:
    """Name conflicts that concern the token: rows it sent, rows naming a person whose
    certificates it issued, or (regulators) rows of its provinces. The registered name
    is shown only to issuers of the person's certificates and regulators."""
    found = conflicts.list_conflicts(
        session, _party(principal), status=status, limit=limit, offset=offset
    )
    return ConflictList(conflicts=found)


@router.get("/conflicts/{conflict_id}", response_model=ConflictView, responses=CONFLICT_ERRORS)
def show_conflict(
    conflict_id: ConflictId,
    session: SessionDep,
    principal: PrincipalDep,
) -> ConflictView:
    """One conflict with its audit trail; 404 (as for an unknown id) when not concerned."""
    return conflicts.show_conflict(session, _party(principal), conflict_id)


@router.post(
    "/conflicts/{conflict_id}/resolution",
    response_model=ConflictView,
    responses=CONFLICT_ERRORS
    | {
        403: {"model": ErrorResponse, "description": "this party may not choose that outcome"},
        409: {"model": ErrorResponse, "description": "already resolved"},
        422: {"model": ErrorResponse, "description": "no reason, or an unknown outcome"},
    },
)
def resolve_conflict(
    conflict_id: ConflictId,
    resolution: Annotated[Resolution, Body()],
    request: Request,
    session: SessionDep,
    keys: KeysDep,
    today: TodayDep,
    principal: PrincipalDep,
) -> Any:
    """Resolve with a reason: keep_registered (any party concerned; the row is not
    imported) or correct_registered (issuers of the person's certificates and regulators:
    the registered name becomes the row's, recorded as a correction, and the row is
    imported)."""
    try:
        view = conflicts.resolve(
            session,
            _party(principal),
            conflict_id,
            outcome=resolution.outcome,
            reason=resolution.reason,
            keys=keys,
            today=today,
        )
    except conflicts.NotAllowed as refused:
        session.rollback()
        raise Forbidden(refused.message) from None
    except conflicts.AlreadyResolved as already:
        session.rollback()
        return error_response(request, 409, already.code, already.message, already.field)
    session.commit()
    return view
