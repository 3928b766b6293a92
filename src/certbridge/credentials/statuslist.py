"""Bitstring Status List v1.0: encoding, decoding, bits, the list credential. Pure.

encodedList = "u" + base64url(no padding) of the GZIP-compressed bitstring; index 0 is the
most significant bit of the first byte; a list holds at least 131,072 entries so that one
index says little about which credential it is.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from typing import Any

MIN_ENTRIES = 131_072
LIST_BYTES = MIN_ENTRIES // 8
PURPOSES = ("revocation", "suspension")
# A list bigger than this after decompression is refused (a tiny GZIP can expand a lot).
MAX_DECODED_BYTES = 16 * 1024 * 1024


class StatusListError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def empty_list(entries: int = MIN_ENTRIES) -> bytearray:
    if entries < MIN_ENTRIES or entries % 8:
        raise StatusListError("statuslist.size", f"状态列表至少{MIN_ENTRIES}位且为8的倍数")
    return bytearray(entries // 8)


def encode(bits: bytes) -> str:
    # mtime=0 keeps the encoding a function of the bits alone.
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: Any) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("statuslist.encoding", "encodedList 应为以 u 开头的 base64url 编码")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES + 1)
    except (ValueError, zlib.error):
        raise StatusListError(
            "statuslist.encoding", "encodedList 无法解码（GZIP/base64url）"
        ) from None
    if len(bits) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise StatusListError("statuslist.size", "状态列表过大")
    if len(bits) * 8 < MIN_ENTRIES:
        raise StatusListError("statuslist.size", f"状态列表少于{MIN_ENTRIES}位")
    return bits


def bit(bits: bytes | bytearray, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError("statuslist.index", "状态索引超出列表范围")
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError("statuslist.index", "状态索引超出列表范围")
    mask = 1 << (7 - index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def parse_index(value: Any) -> int:
    """statusListIndex is a string of decimal digits."""
    if not isinstance(value, str) or not value.isdecimal() or len(value) > 12:
        raise StatusListError("statuslist.index", "statusListIndex 应为十进制数字字符串")
    return int(value)


def entry(list_url: str, purpose: str, index: int) -> dict[str, str]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    *, list_url: str, issuer: str, purpose: str, bits: bytes, valid_from: str, ttl_ms: int
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for one list."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bits),
            "ttl": ttl_ms,
        },
    }
