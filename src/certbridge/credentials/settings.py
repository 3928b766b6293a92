"""Settings of the credentials domain (CERTBRIDGE_KEY_DIR, CERTBRIDGE_KEY_PASSPHRASE, …)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from certbridge.config import Settings, get_settings

DEV_PASSPHRASE = "dev-only-key-passphrase-do-not-use"  # noqa: S105 - refused in production


class CredentialSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CERTBRIDGE_", extra="ignore")

    # Where issuer private keys live (encrypted PKCS#8 files), outside the database.
    key_dir: Path | None = None
    # Encrypts the private keys at rest.
    key_passphrase: str = DEV_PASSPHRASE
    # How long a verifier may cache a status list (milliseconds, the list's `ttl`).
    status_list_ttl_ms: int = 300_000
    # Largest credential accepted for verification, in bytes.
    max_credential_bytes: int = 64 * 1024


@lru_cache(maxsize=1)
def get_credential_settings() -> CredentialSettings:
    return CredentialSettings()


def key_dir(settings: Settings, credential_settings: CredentialSettings) -> Path:
    return credential_settings.key_dir or settings.data_dir / "keys"


def check_passphrase(settings: Settings, credential_settings: CredentialSettings) -> bytes:
    """The key passphrase; production refuses the development default and short ones."""
    passphrase = credential_settings.key_passphrase
    if settings.environment == "production" and (
        passphrase == DEV_PASSPHRASE or len(passphrase) < 20
    ):
        raise RuntimeError("CERTBRIDGE_KEY_PASSPHRASE must be set to a secret of 20+ chars")
    return passphrase.encode()


__all__ = ["CredentialSettings", "check_passphrase", "get_credential_settings", "get_settings"]
