"""Issuer private keys on disk, outside the database, encrypted with a passphrase.

One file per key, `<dir>/<issuer>/<publicKeyMultibase>.pem`: PKCS#8, encrypted by
`cryptography`'s best available scheme. Decrypted keys are cached per process."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certbridge.credentials.proofs import encode_public_key
from certbridge.errors import InputError

_SAFE = re.compile(r"[a-z0-9][a-z0-9\-]{0,63}")


class KeyStore:
    def __init__(self, directory: Path, passphrase: bytes) -> None:
        self.directory = directory
        self._passphrase = passphrase
        self._cache: dict[str, Ed25519PrivateKey] = {}

    def _path(self, issuer_slug: str, public_key_multibase: str) -> Path:
        if not _SAFE.fullmatch(issuer_slug) or not public_key_multibase.isalnum():
            raise InputError("issuer.slug", f"发证方标识无效：{issuer_slug[:64]}", field="issuer")
        return self.directory / issuer_slug / f"{public_key_multibase}.pem"

    def generate(self, issuer_slug: str) -> tuple[str, Ed25519PrivateKey]:
        """A new key, written before its public half is registered anywhere."""
        key = Ed25519PrivateKey.generate()
        return self.save(issuer_slug, key), key

    def save(self, issuer_slug: str, key: Ed25519PrivateKey) -> str:
        """Write a key (never over an existing file); its publicKeyMultibase."""
        public = encode_public_key(key.public_key().public_bytes_raw())
        path = self._path(issuer_slug, public)
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        # Owner-only from the first byte: create with 0600 rather than chmod afterwards.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        self._cache[public] = key
        return public

    def holds(self, issuer_slug: str, public_key_multibase: str) -> bool:
        return public_key_multibase in self._cache or (
            self._path(issuer_slug, public_key_multibase).is_file()
        )

    def load(self, issuer_slug: str, public_key_multibase: str) -> Ed25519PrivateKey:
        cached = self._cache.get(public_key_multibase)
        if cached is not None:
            return cached
        path = self._path(issuer_slug, public_key_multibase)
        try:
            loaded = serialization.load_pem_private_key(path.read_bytes(), self._passphrase)
        except FileNotFoundError:
            raise InputError(
                "key.missing", f"密钥库中找不到发证方 {issuer_slug} 的私钥", field="issuer"
            ) from None
        except (ValueError, TypeError):
            raise InputError(
                "key.passphrase", "无法解密私钥：密钥口令（CERTBRIDGE_KEY_PASSPHRASE）不正确"
            ) from None
        if not isinstance(loaded, Ed25519PrivateKey):
            raise InputError("key.kind", "密钥库中的私钥不是 Ed25519 密钥")
        self._cache[public_key_multibase] = loaded
        return loaded
