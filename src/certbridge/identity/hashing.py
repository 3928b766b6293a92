"""Keyed hashes used as lookup keys for sensitive values (ID numbers, certificate numbers).

A plain hash of an ID number can be reversed by trying every plausible number, so lookups use
HMAC-SHA256 under a secret key. Each purpose gets its own sub-key, so the hash of a value for
one purpose never equals its hash for another.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from typing import Final

ID_NUMBER_PURPOSE: Final = "id-number"
MIN_KEY_BYTES: Final = 16
_CANONICAL_ID: Final = re.compile(r"\d{17}[\dX]", re.ASCII)


def keyed_hash(value: str, key: bytes, *, purpose: str) -> str:
    """Hex HMAC-SHA256 of the UTF-8 value under a sub-key derived from key and purpose."""
    return hmac.digest(_sub_key(key, purpose), value.encode(), hashlib.sha256).hex()


@functools.lru_cache(maxsize=64)
def _sub_key(key: bytes, purpose: str) -> bytes:
    # Derived once per (key, purpose): every lookup would otherwise pay a second HMAC.
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"hash key must be at least {MIN_KEY_BYTES} bytes")
    if not purpose:
        raise ValueError("purpose must not be empty")
    return hmac.digest(key, b"certbridge keyed hash/" + purpose.encode(), hashlib.sha256)


def id_number_hash(canonical: str, key: bytes) -> str:
    """Keyed hash of the canonical 18-character ID number (parse_id_number(...).value)."""
    if not _CANONICAL_ID.fullmatch(canonical):
        # A non-canonical value would hash to a key no lookup could ever find.
        raise ValueError("id_number_hash takes the canonical 18-character value")
    return keyed_hash(canonical, key, purpose=ID_NUMBER_PURPOSE)


def identity_hash(kind: str, canonical: str, key: bytes) -> str:
    """Keyed hash of a holder's document (numbers.Identity's kind and value).

    GB 11643 numbers (居民身份证, 港澳台居民居住证, the 18-digit 外国人永久居留身份证, whose
    leading 9 is no address code) share the ID-number hash; any other document is hashed
    under a purpose of its kind, so a passport number can never meet an ID number's hash."""
    if _CANONICAL_ID.fullmatch(canonical) and kind != "passport":
        return id_number_hash(canonical, key)
    return keyed_hash(canonical, key, purpose=f"{ID_NUMBER_PURPOSE}:{kind}")
