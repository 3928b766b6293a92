"""Which budget a request spends, in one place for the FastAPI routes and query.fastpath.

- an API token: its own budget (CERTBRIDGE_RATE_LIMIT_TOKEN_PER_MINUTE);
- a client holding a proof-of-work pass, or sending a fresh solution: its address's raised
  budget (CERTBRIDGE_RATE_LIMIT_SOLVED_PER_MINUTE);
- anyone else: its address's budget (CERTBRIDGE_RATE_LIMIT_PER_MINUTE);
- batch submissions: the token's batch budget (CERTBRIDGE_BATCH_LIMIT_PER_MINUTE).

Pure: raw ASGI headers in, seconds to wait out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from certbridge.config import Settings
from certbridge.http import humancheck
from certbridge.http.clients import ProxyTrust, client_address
from certbridge.http.humancheck import HumanCheck
from certbridge.http.ratelimit import Budget, Limiter
from certbridge.identity import keyed_hash

Headers = Iterable[tuple[bytes, bytes]]


@dataclass(frozen=True)
class QueryGuard:
    limiter: Limiter
    trust: ProxyTrust
    human_check: HumanCheck
    anonymous: Budget
    solved: Budget
    token: Budget
    batch: Budget

    @classmethod
    def from_settings(cls, settings: Settings, limiter: Limiter | None = None) -> QueryGuard:
        disabled = settings.rate_limit_per_minute <= 0  # benchmarks: no limit anywhere
        secret = keyed_hash("human-check", settings.hash_key_bytes, purpose="human-check")
        return cls(
            limiter=limiter or Limiter(settings.redis_url, settings.redis_prefix),
            trust=ProxyTrust(settings.trusted_proxy_networks, settings.trusted_proxy_count),
            human_check=HumanCheck(
                secret=secret.encode(),
                cost=settings.pow_cost,
                pass_seconds=settings.pow_pass_minutes * 60,
            ),
            anonymous=Budget("anonymous", settings.rate_limit_per_minute),
            solved=Budget("solved", 0 if disabled else settings.rate_limit_solved_per_minute),
            token=Budget("token", 0 if disabled else settings.rate_limit_token_per_minute),
            batch=Budget("batch", settings.batch_limit_per_minute),
        )

    def client_wait(
        self, headers: Headers, client: Sequence[Any] | None, solution: str | None = None
    ) -> tuple[float, str | None]:
        """Seconds to wait (0: go ahead), and a new pass when the request redeemed a
        solution."""
        if self.anonymous.per_minute <= 0:
            return 0.0, None
        headers = list(headers)
        address = client_address(self.trust, headers, client)
        new_pass = None
        if self.human_check.pass_is_valid(humancheck.pass_from_cookies(headers)):
            budget = self.solved
        elif solution and self.human_check.redeem(solution, self._first_use):
            budget, new_pass = self.solved, self.human_check.new_pass()
        else:
            budget = self.anonymous
        return self.limiter.spend(budget, address), new_pass

    def solution_of(self, headers: Headers) -> str | None:
        return humancheck.solution_from_headers(headers)

    def token_wait(self, token_id: int) -> float:
        return self.limiter.spend(self.token, str(token_id))

    def batch_wait(self, token_id: int) -> float:
        return self.limiter.spend(self.batch, str(token_id))

    def _first_use(self, key: str, seconds: int) -> bool:
        return self.limiter.first_use("altcha", key, seconds)
