"""One Settings object, read from CERTBRIDGE_* environment variables."""

from __future__ import annotations

import ipaddress
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
    # Person queries per client address per minute; 0 disables the limits (benchmarks only).
    rate_limit_per_minute: int = 30
    # The same, for a browser that solved the proof-of-work challenge (http/humancheck.py).
    rate_limit_solved_per_minute: int = 300
    # Person queries per API token per minute (a budget of its own, not the address's).
    rate_limit_token_per_minute: int = 600
    # Batch submissions per department token per minute.
    batch_limit_per_minute: int = 6
    # Reverse proxies whose X-Forwarded-For hops are believed: addresses or CIDRs, comma
    # separated, or a count of proxies in front. Neither: the peer is the client.
    trusted_proxies: str = ""
    trusted_proxy_count: int = Field(default=0, ge=0)
    # Replaced by the two above (it believed the client's own first hop); true is refused.
    trust_forwarded_for: bool = False
    # Shared store of the limits and of used challenge solutions; empty: this process only.
    redis_url: str = ""
    redis_prefix: str = "certbridge"
    # Proof of work per attempt (PBKDF2 iterations; about 256 attempts to solve); 0 turns
    # the challenge off. A solution raises the address's budget for pow_pass_minutes.
    pow_cost: int = Field(default=1000, ge=0)
    pow_pass_minutes: int = Field(default=30, ge=1)
    # Largest request body outside multipart uploads (those have their own limit).
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    public_base_url: str = "http://127.0.0.1:8000"
    # Serve GET /api/v1/certificates/{number} as plain ASGI (query.fastpath). Off only to
    # compare it with the FastAPI route, which gives the same answers more slowly.
    lookup_fast_path: bool = True
    # How many days ahead a suspension, reinstatement, revocation or cancellation may be
    # scheduled through the API or CLI (0: none); reviews and imports are never ahead.
    scheduled_change_days: int = Field(default=30, ge=0, le=90)

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
    def _refuse_the_first_hop_rule(self) -> Settings:
        if self.trust_forwarded_for:
            raise ValueError(
                "CERTBRIDGE_TRUST_FORWARDED_FOR believed the client's own first hop; set "
                "CERTBRIDGE_TRUSTED_PROXIES (addresses or CIDRs) or CERTBRIDGE_TRUSTED_PROXY_COUNT"
            )
        self.trusted_proxy_networks  # noqa: B018 - refuses a malformed list at start-up
        return self

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
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        try:
            return tuple(
                ipaddress.ip_network(part.strip(), strict=False)
                for part in self.trusted_proxies.split(",")
                if part.strip()
            )
        except ValueError as error:
            raise ValueError(f"CERTBRIDGE_TRUSTED_PROXIES: {error}") from None

    @property
    def hash_key_bytes(self) -> bytes:
        return self.hash_key.encode()

    @property
    def seal_key_bytes(self) -> bytes:
        return self.seal_key.encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
