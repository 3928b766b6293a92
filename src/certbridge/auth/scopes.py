"""Roles and scopes of API tokens. Pure.

A scope is a comma-separated list of grants:
- department: `<department>:<province>` (e.g. `mem:14`, `mem:*`) — its own scheme and province
- institution: `institution:<code>`
- regulator: `<province>` or `*`
- admin: `*`
"""

from __future__ import annotations

import re

from certbridge.errors import InputError

ROLES = ("department", "institution", "regulator", "admin")
DEPARTMENTS = ("mohrss", "mem", "mohurd", "samr")
_GRANT_PATTERNS = {
    "department": re.compile(rf"^({'|'.join(DEPARTMENTS)}):(\d{{2}}|\*)$"),
    "institution": re.compile(r"^institution:[A-Za-z0-9\-]{1,24}$"),
    "regulator": re.compile(r"^(\d{2}|\*)$"),
    "admin": re.compile(r"^\*$"),
}


def parse_scope(role: str, scope: str) -> tuple[str, ...]:
    if role not in ROLES:
        raise InputError("token.role", f"角色应为 {'、'.join(ROLES)} 之一", field="role")
    grants = tuple(g.strip() for g in scope.split(",") if g.strip())
    if not grants:
        raise InputError("token.scope_empty", "须指定授权范围", field="scope")
    for grant in grants:
        if not _GRANT_PATTERNS[role].fullmatch(grant):
            raise InputError(
                "token.scope", f"授权范围“{grant}”不符合角色 {role} 的格式", field="scope"
            )
    return grants


def department_may_act(grants: tuple[str, ...], department: str, province_code: str) -> bool:
    """Whether a department token covers records issued by that department in that province."""
    return any(grant in (f"{department}:{province_code}", f"{department}:*") for grant in grants)
