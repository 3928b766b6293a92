"""A holder's ID number handed from one page to the next without showing it in clear.

A query result offers 我能免考什么？ for its holder. The next page needs the ID number the
person typed, but the results page must not hold it in clear (pages are saved, printed
and cached) nor put it in a URL. So the result carries a short-lived ticket: the ID
number sealed with AES-256-GCM under a key derived from the seal key, with the time it
was made. Only this server can open it, and only for TICKET_SECONDS."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certbridge.errors import InputError

TICKET_SECONDS = 30 * 60
_NONCE_BYTES = 12
_PURPOSE = b"certbridge-holder-ticket"


def _aead(seal_key: bytes) -> AESGCM:
    # A key of its own: a ticket can never be opened as a stored sealed ID number.
    return AESGCM(hashlib.sha256(_PURPOSE + b"\x00" + seal_key).digest())


def holder_ticket(id_number: str, seal_key: bytes, now: float | None = None) -> str:
    made = int(time.time() if now is None else now)
    nonce = os.urandom(_NONCE_BYTES)
    body = json.dumps([id_number, made]).encode()
    sealed = nonce + _aead(seal_key).encrypt(nonce, body, _PURPOSE)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_holder_ticket(ticket: str, seal_key: bytes, now: float | None = None) -> str:
    """The ID number in a ticket this server made less than TICKET_SECONDS ago."""
    expired = InputError("holder.ticket", "查询结果已过期，请重新输入证件号码", field="id_number")
    try:
        sealed = base64.urlsafe_b64decode(ticket + "=" * (-len(ticket) % 4))
        nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        id_number, made = json.loads(_aead(seal_key).decrypt(nonce, body, _PURPOSE))
    except (ValueError, binascii.Error, InvalidTag, TypeError):
        raise expired from None
    current = time.time() if now is None else now
    if not isinstance(id_number, str) or not 0 <= current - made <= TICKET_SECONDS:
        raise expired
    return id_number
