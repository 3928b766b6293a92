"""Write-side authorisation: role and scope checked on every write endpoint."""

from __future__ import annotations

from certbridge.auth.scopes import department_may_act
from certbridge.auth.service import Principal
from certbridge.http.deps import Forbidden
from certbridge.registry.models import Certificate


def require_issuer_of(principal: Principal, certificate: Certificate) -> None:
    """Only the issuing department (its scheme and province) or an admin may change a record:
    谁发证、谁负责."""
    if principal.role == "admin":
        return
    issuer = certificate.issuer
    if principal.role == "department" and department_may_act(
        principal.grants, issuer.department, issuer.province_code
    ):
        return
    raise Forbidden("该令牌无权变更此证书：仅发证部门（本部门、本省）或管理员可操作")
