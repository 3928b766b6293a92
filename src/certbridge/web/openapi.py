"""The OpenAPI document as /docs shows it: one tag per resource, and the API token scheme.

Tags are given here, by path, rather than in each domain's router: one list keeps them
one per resource, named alike (Chinese name, then the resource), whoever adds a route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from fastapi import FastAPI

# (tag, description, paths it covers); the first match wins, so specific paths go first.
RESOURCES: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "证书状态 (certificate status)",
        "暂扣、恢复、撤销（吊销）、注销、复审：发证部门变更证书状态",
        r"^/api/v1/certificates/[^/]+/status$",
    ),
    (
        "核验链接 (verification links)",
        "证书二维码背后的 /v/{token} 核验链接",
        r"^/api/v1/(certificates/[^/]+/verification-links|verifications/)",
    ),
    (
        "数字证书 (credentials)",
        "可验证数字证书（W3C VC 2.0）的签发与核验",
        r"^/api/v1/(certificates/[^/]+/credential$|credentials/)",
    ),
    (
        "证书 (certificates)",
        "一网通查：按姓名和证件号码、或按证书编号查询证书",
        r"^/api/v1/certificates(/[^/]+)?$",
    ),
    ("评价机构 (institutions)", "评价机构查询", r"^/api/v1/institutions"),
    ("数据批次 (batches)", "发证部门提交的数据批次", r"^/api/v1/exchange/batches"),
    (
        "姓名冲突 (name conflicts)",
        "数据批次中姓名与登记不一致的行：由相关发证部门或监管部门处理",
        r"^/api/v1/exchange/conflicts",
    ),
    (
        "互通互认 (recognition)",
        "凭已有证书可免的培训和考试、视同的技能等级",
        r"^/api/v1/recognition",
    ),
    (
        "人机验证 (human check)",
        "工作量证明挑战（ALTCHA 协议），解出后提高查询额度",
        r"^/api/v1/human-check",
    ),
    ("发证机关 (issuers)", "发证机关的 did:web 文档（公钥）", r"^/issuers/"),
    ("状态列表 (status lists)", "数字证书的撤销、暂扣状态列表", r"^/credentials/status/"),
    ("语境 (contexts)", "数字证书字段的 JSON-LD 语境", r"^/contexts/"),
    ("信任清单 (trust list)", "登记机构根密钥签署的发证方信任清单", r"^/trust/"),
)
_MATCHERS: Final = tuple((tag, re.compile(pattern)) for tag, _, pattern in RESOURCES)
TAGS_METADATA: Final = [{"name": tag, "description": text} for tag, text, _ in RESOURCES]


def resource_tag(path: str, tags: list[str]) -> list[str]:
    for tag, pattern in _MATCHERS:
        if pattern.search(path):
            return [tag]
    return tags[:1]  # a route this list does not know yet keeps its router's first tag


def shape(schema: dict[str, Any]) -> None:
    """One tag per operation, by resource. Where a token is optional (it documents no 401:
    the person queries, where a token moves the query to the token's own budget), say so."""
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            operation["tags"] = resource_tag(path, operation.get("tags", []))
            if "security" in operation and "401" not in operation.get("responses", {}):
                operation["security"] = [*operation["security"], {}]


def install_openapi(app: FastAPI) -> None:
    app.openapi_tags = TAGS_METADATA
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            shape(generate())
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]
