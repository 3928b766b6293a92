"""Batch endpoint: a department sends a file, gets the run report back."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from certbridge.auth.scopes import department_may_act
from certbridge.auth.service import Principal
from certbridge.errors import InputError
from certbridge.exchange import service
from certbridge.exchange.profile import Profile, load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.schemas import RunReport
from certbridge.http.deps import BatchLimit, Forbidden, KeysDep, PrincipalDep, SessionDep
from certbridge.http.schemas import ErrorResponse

router = APIRouter(prefix="/api/v1/exchange", tags=["数据交换 (exchange)"])

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "no or unknown token"},
    403: {"model": ErrorResponse, "description": "not a department, or not its scheme/province"},
    422: {"model": ErrorResponse, "description": "the file cannot be imported, with the reason"},
}
MAX_NAME = 255


@router.post("/batches", response_model=RunReport, responses=ERRORS, dependencies=[BatchLimit])
def post_batch(
    session: SessionDep,
    keys: KeysDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="CSV, XLSX or JSONL in the profile's format")],
    profile: Annotated[str, Form(max_length=64, description="import profile, e.g. standard")],
    province: Annotated[
        str | None, Form(max_length=2, description="issuer's province (if the token has several)")
    ] = None,
    encoding: Annotated[
        str | None, Form(max_length=16, description="utf-8, gbk or gb18030")
    ] = None,
    sheet: Annotated[str | None, Form(max_length=64, description="XLSX sheet")] = None,
) -> RunReport:
    """Import a batch with the same validation as `certbridge import`. A department token may
    only send its own scheme's records issued in its own province; sending the same file
    again changes nothing (or resumes an interrupted batch)."""
    chosen = load_profile(profile)
    issuer = _issuer(principal, chosen, province)
    name = Path(file.filename or "batch").name[:MAX_NAME] or "batch"
    request = service.ImportRequest(
        profile=chosen,
        issuer=issuer,
        actor=principal.actor,
        channel="api",
        sheet=sheet,
        encoding=encoding,
    )
    with tempfile.TemporaryDirectory(prefix="certbridge-batch-") as folder:
        path = Path(folder) / ("upload" + Path(name).suffix.lower())
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        return service.import_file(session, path, request, keys, display_name=name)


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
