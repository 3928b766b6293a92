"""Settings of the credentials domain (CERTBRIDGE_KEY_DIR, CERTBRIDGE_KEY_PASSPHRASE, …)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from certbridge.config import Settings, get_settings
from certbridge.credentials.proofs import ProofError
from certbridge.credentials.trustlist import dev_root_public, parse_roots
from certbridge.errors import InputError

DEV_PASSPHRASE = "dev-only-key-passphrase-do-not-use"  # noqa: S105 - refused in production
SHIPPED_TRUST_ROOT = Path(__file__).parent / "trust_root.txt"


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
    # Registry root public keys a verifier trusts (publicKeyMultibase, comma-separated,
    # the first one signs), or the path of a file listing them; empty: the shipped
    # trust_root.txt (the development root, refused in production).
    trust_root_key: str = ""
    # How long a published trust list of issuers may be used (its validUntil), in days.
    trust_list_valid_days: int = 30
    # Offline verification fails when the status lists are older than this, in days.
    max_offline_age_days: int = 7


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


def trust_roots(settings: Settings, credential_settings: CredentialSettings) -> tuple[str, ...]:
    """The root public keys trusted to sign trust lists, newest (the signing one) first.

    Production refuses the development root, whose private half is public knowledge."""
    value = credential_settings.trust_root_key.strip()
    try:
        if not value:
            roots = parse_roots(SHIPPED_TRUST_ROOT.read_text(encoding="utf-8"))
        elif value.startswith("z"):
            roots = parse_roots(value)
        else:
            roots = parse_roots(Path(value).read_text(encoding="utf-8"))
    except OSError:
        raise _root_error("无法读取信任根公钥文件") from None
    except ProofError:
        raise _root_error("信任根公钥不是 Ed25519 Multikey（z6Mk…）") from None
    if not roots:
        raise _root_error("没有配置信任根公钥")
    if settings.environment == "production" and dev_root_public() in roots:
        raise _root_error("生产环境不能使用开发用信任根，请设置本机构自己的根公钥")
    return roots


def _root_error(message: str) -> InputError:
    return InputError("trust.root", f"CERTBRIDGE_TRUST_ROOT_KEY：{message}", field="trust_root")


__all__ = [
    "CredentialSettings",
    "check_passphrase",
    "get_credential_settings",
    "get_settings",
    "trust_roots",
]
