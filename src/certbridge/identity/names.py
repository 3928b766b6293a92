"""Personal names as written on ID cards: any script, minority-name interpuncts, no digits."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from certbridge.errors import InputError

MAX_NAME_LENGTH: Final = 50
INTERPUNCT: Final = "·"  # U+00B7, as in 买买提·艾力
_INTERPUNCT_VARIANTS: Final = str.maketrans(dict.fromkeys("•．・･‧∙⋅", INTERPUNCT))
_ALLOWED_PUNCTUATION: Final = frozenset(f" {INTERPUNCT}-'.")
_SPACES: Final = re.compile(r"\s+")
_SPACES_AROUND_INTERPUNCT: Final = re.compile(rf" ?{INTERPUNCT} ?")


class PersonNameError(InputError):
    def __init__(self, code: str, message: str, *, field: str | None = "name") -> None:
        super().__init__(code, message, field=field)


def normalize_name(raw: str) -> str:
    """NFC, interpunct variants to "·", whitespace runs (U+3000 included) to one space, trimmed."""
    text = unicodedata.normalize("NFC", raw).translate(_INTERPUNCT_VARIANTS)
    text = _SPACES.sub(" ", text).strip()
    return _SPACES_AROUND_INTERPUNCT.sub(INTERPUNCT, text)


def validate_name(raw: str) -> str:
    """The normalised name, or PersonNameError naming the rule and the first bad character."""
    name = normalize_name(raw)
    if not name:
        raise PersonNameError("name.empty", "请填写姓名")
    if len(name) > MAX_NAME_LENGTH:
        raise PersonNameError(
            "name.too_long", f"姓名不能超过{MAX_NAME_LENGTH}个字符，实际为{len(name)}个"
        )
    for position, character in enumerate(name, start=1):
        problem = _character_problem(character)
        if problem:
            raise PersonNameError("name.character", f"姓名第{position}个字符{problem}，不允许使用")
    if not any(unicodedata.category(c).startswith("L") for c in name):
        raise PersonNameError("name.no_letter", "姓名应至少包含一个文字")
    return name


def _character_problem(character: str) -> str | None:
    """None if the character may appear in a name, else how to describe it to the person."""
    category = unicodedata.category(character)
    if category[0] in "LM" or character in _ALLOWED_PUNCTUATION:
        return None
    if category[0] == "C":
        return f"（U+{ord(character):04X}）是控制字符或不可见字符"
    if category[0] == "N":
        return f"“{character}”是数字"
    return f"“{character}”"
