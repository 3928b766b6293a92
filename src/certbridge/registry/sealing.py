"""Sealing: the clear ID number encrypted at rest (AES-256-GCM) for the rare
uses that need it back, such as an issuer exporting its own records."""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


def _aead(key: bytes) -> AESGCM:
    # Derive a fixed-size key so any configured secret length works.
    return AESGCM(hashlib.sha256(b"certbridge-seal\x00" + key).digest())


def seal(clear: str, key: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _aead(key).encrypt(nonce, clear.encode(), b"id-number")


def unseal(sealed: bytes, key: bytes) -> str:
    nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return _aead(key).decrypt(nonce, body, b"id-number").decode()
