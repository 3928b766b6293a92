"""Show ID numbers without revealing them: in records, on pages and in logs."""

from __future__ import annotations

import re
from typing import Final

from certbridge.identity.numbers import normalize_id_number

_MASK: Final = "*"
_KEEP_AT_MOST: Final = 4
# 18 characters (last may be X) or 15 digits, optionally split by one space or hyphen after
# the address code and after the birth date; never part of a longer run of digits.
_SEP: Final = r"[ \-]?"
_ID_LIKE: Final = re.compile(
    rf"(?<!\d)(?:\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXxＸｘ]|\d{{6}}{_SEP}\d{{6}}{_SEP}\d{{3}})(?!\d)"
)


def mask_id_number(value: str) -> str:
    """ "110101199003071234" -> "1101**********1234".

    Keeps at most 4 characters at each end and always masks at least half, whatever the length.
    """
    number = normalize_id_number(value)
    keep = min(_KEEP_AT_MOST, len(number) // 4)
    hidden = len(number) - 2 * keep
    return number[:keep] + _MASK * hidden + number[len(number) - keep :]


def mask_text_id_numbers(text: str) -> str:
    """Mask every run of free text that looks like an ID number (for log filters)."""
    return _ID_LIKE.sub(lambda match: mask_id_number(match.group()), text)
