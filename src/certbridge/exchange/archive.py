"""The original of every imported file, kept by its SHA-256 and sealed.

Quarantine keeps rows (long values cut to their start and length); the file itself is
kept whole here, so nothing a department sent is lost. Files hold clear ID numbers, so
they are encrypted at rest with the seal key (AES-256-GCM, streamed in blocks: a file is
never held in memory), under `<folder>/<sha256>`. The SHA-256 of the clear content is
the name and is bound into the seal, so a file cannot be swapped for another one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAGIC = b"CBX1"
_NONCE = 12
_TAG = 16
_BLOCK = 1 << 20


def _key(seal_key: bytes) -> bytes:
    return hashlib.sha256(b"certbridge-exchange-file\x00" + seal_key).digest()


def stored_path(folder: Path, sha256: str) -> Path:
    return folder / sha256


def keep(path: Path, sha256: str, folder: Path, seal_key: bytes) -> Path:
    """Seal `path` into the store once (a file already kept is left as it is)."""
    target = stored_path(folder, sha256)
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.AES(_key(seal_key)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(sha256.encode())
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out, path.open("rb") as source:
            out.write(MAGIC + nonce)
            while block := source.read(_BLOCK):
                out.write(encryptor.update(block))
            out.write(encryptor.finalize() + encryptor.tag)
        os.replace(temporary, target)  # atomic: a reader never sees half a file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def restore(folder: Path, sha256: str, seal_key: bytes, out: IO[bytes]) -> None:
    """Write the kept original of `sha256` to `out`; raises FileNotFoundError, or
    cryptography's InvalidTag when the stored file was altered."""
    stored = stored_path(folder, sha256)
    size = stored.stat().st_size
    with stored.open("rb") as source:
        header = source.read(len(MAGIC) + _NONCE)
        if not header.startswith(MAGIC):
            raise ValueError("not a kept exchange file")
        source.seek(size - _TAG)
        tag = source.read(_TAG)
        source.seek(len(header))
        nonce = header[len(MAGIC) :]
        decryptor = Cipher(algorithms.AES(_key(seal_key)), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(sha256.encode())
        left = size - len(header) - _TAG
        while left > 0:
            block = source.read(min(_BLOCK, left))
            left -= len(block)
            out.write(decryptor.update(block))
        out.write(decryptor.finalize())
