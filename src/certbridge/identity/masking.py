"""Show ID numbers without revealing them: in records, on pages and in logs.

One rule, `mask_id_number`, masks an ID number wherever it appears: the holder's own
number, a certificate number that embeds it ("T" + ID for 特种作业, the ID itself for
特种设备) and free text (logs). Every other masking goes through it, so the same number
never shows different digits in two places.
"""

from __future__ import annotations

import re
from typing import Final

from certbridge.identity.numbers import normalize_id_number

_MASK: Final = "*"
_KEEP_AT_MOST: Final = 4

# Digits as people type them: ASCII or full-width; a check character X in any case or width.
_DIGIT: Final = "[0-9\uff10-\uff19]"
_CHECK: Final = "[0-9\uff10-\uff19Xx\uff38\uff58]"
# At most one separator between two digits: spaces (U+3000 too), hyphens and dashes.
_SEP: Final = "[ \t\u3000\\-\u2010-\u2015\uff0d]?"
_ID_SHAPES: Final = (
    rf"(?:{_DIGIT}{_SEP}){{17}}{_CHECK}",  # 18 characters: resident ID, 港澳台居民居住证
    rf"(?:{_DIGIT}{_SEP}){{14}}{_DIGIT}",  # 15 digits: first-generation resident ID
)
# 港澳居民来往内地通行证: H or M and 8 (or 10) digits.
_PERMIT: Final = rf"(?<![A-Za-z0-9\uff10-\uff19])[HMhm]{_DIGIT}{{8}}(?:{_DIGIT}{{2}})?"
# Never part of a longer run of digits; a letter before is fine ("T" + ID of 特种作业).
_ID_LIKE: Final = re.compile(
    rf"(?<!{_DIGIT})(?:{'|'.join(_ID_SHAPES)})(?!{_DIGIT})|{_PERMIT}(?!{_DIGIT})"
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
    """Mask every run of text shaped like an ID number, each as `mask_id_number` masks it
    (log records, paths, and certificate numbers that embed an ID number)."""
    return _ID_LIKE.sub(lambda match: mask_id_number(match.group()), text)


def mask_embedded_id_number(number: str) -> str:
    """A certificate number that embeds an ID number, shown with that ID masked exactly as
    `mask_id_number` masks it ("T" + ID -> "T3505**********4153"); a number in which no
    ID-number shape is found is masked whole rather than shown."""
    masked = mask_text_id_numbers(number)
    return masked if masked != number else mask_id_number(number)
