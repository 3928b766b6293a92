"""Errors that carry a stable code and a Chinese message for the person who sent the input."""

from __future__ import annotations


class InputError(ValueError):
    """Input refused by a named rule.

    `code` is stable (for programs), `message` is Simplified Chinese (for people),
    `field` names the offending input where there is one.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


NOT_FOUND_MESSAGE = "未查询到匹配的证书信息，请核对姓名、证件号码或证书编号"


class NotFound(LookupError):
    """One answer for every miss, so a query cannot tell which part was wrong."""

    message = NOT_FOUND_MESSAGE
