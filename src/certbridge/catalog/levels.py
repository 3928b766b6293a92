"""Text forms of vocational skill levels (五级/初级工 … 一级/高级技师)."""

from __future__ import annotations

import unicodedata

from certbridge.catalog.model import Level

_CHINESE_DIGITS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


def normalize_level_text(text: str) -> str:
    """NFKC, no whitespace, no brackets or separators: "四级（中级工）" -> "四级中级工"."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "()/\\、,，-_·")


def level_keys(level: Level, aliases: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every normalised text that names `level`."""
    n = level.number
    forms = [
        str(n),
        f"{n}级",
        f"{_CHINESE_DIGITS.get(n, str(n))}级",
        level.name_zh,
        level.grade_zh,
        level.label,
        f"{level.grade_zh}/{level.name_zh}",
        f"职业技能等级{level.name_zh}",
        *aliases,
    ]
    return tuple(dict.fromkeys(normalize_level_text(form) for form in forms))
