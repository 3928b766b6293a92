"""One Settings object, read from CERTBRIDGE_* environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-do-not-use-in-production"  # noqa: S105 - refused in production


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives unless told otherwise."""
    return Path(os.environ.get("CERTBRIDGE_DATA_DIR", Path.cwd() / "var"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CERTBRIDGE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    # Keys the HMAC lookup hashes of ID numbers and certificate numbers.
    # Changing it orphans every stored hash, so production must set it once.
    hash_key: str = DEV_SECRET
    # Seals (encrypts) the clear ID number for the few uses that need it back.
    seal_key: str = DEV_SECRET
    # Person queries per client per minute; 0 disables the limit (benchmarks only).
    rate_limit_per_minute: int = 30
    # Trust X-Forwarded-For from a reverse proxy to identify the client.
    trust_forwarded_for: bool = False
    public_base_url: str = "http://127.0.0.1:8000"
    # Serve GET /api/v1/certificates/{number} as plain ASGI (query.fastpath). Off only to
    # compare it with the FastAPI route, which gives the same answers more slowly.
    lookup_fast_path: bool = True
    # Department files (docs/exchange.md, "Limits"): the largest batch upload, and what an
    # import reads of any file; a row past a limit is rejected, naming the row.
    max_upload_bytes: int = Field(default=64 << 20, ge=1)
    import_max_line_chars: int = Field(default=65_536, ge=16)
    import_max_field_chars: int = Field(default=4_096, ge=16)
    import_max_columns: int = Field(default=256, ge=8)
    import_max_cells: int = Field(default=50_000_000, ge=1)
    import_max_json_depth: int = Field(default=32, ge=2)
    import_max_number_digits: int = Field(default=64, ge=8)
    import_max_xlsx_bytes: int = Field(default=256 << 20, ge=1)
    # Originals of imported files, sealed, by SHA-256 (default: $DATA_DIR/exchange/files).
    exchange_file_dir: Path | None = None

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            for name in ("hash_key", "seal_key"):
                value = getattr(self, name)
                if value == DEV_SECRET or len(value) < 32:
                    raise ValueError(
                        f"CERTBRIDGE_{name.upper()} must be set to a secret of 32+ chars"
                    )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'certbridge.sqlite3'}"

    @property
    def hash_key_bytes(self) -> bytes:
        return self.hash_key.encode()

    @property
    def seal_key_bytes(self) -> bytes:
        return self.seal_key.encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
