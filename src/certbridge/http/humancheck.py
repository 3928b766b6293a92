"""A human check without a third party: proof of work in the ALTCHA protocol (v2). Pure.

The browser fetches a challenge (GET /api/v1/human-check/challenge), solves it in a Web
Worker (web/static/pow-worker.js, Web Crypto's PBKDF2) and sends the solution with the
query form (hidden field `altcha`) or in an `X-Altcha` header. The server checks it with
the `altcha` package; a valid, unexpired solution that was never used before earns a pass,
a signed cookie that puts the client on the raised budget for a while. Nothing leaves the
server, nothing identifies the person: the pass holds an expiry, a random nonce and a MAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from altcha import (
    ChallengeParameters,
    Payload,
    create_challenge,
    derive_key_pbkdf2,
    verify_solution,
)

ALGORITHM: Final = "PBKDF2/SHA-256"
# Three hex zeros: about 4,096 attempts (a second or two in a phone's browser at the
# default cost), one attempt for the server to check.
KEY_PREFIX: Final = "000"
CHALLENGE_SECONDS: Final = 600
PASS_COOKIE: Final = "certbridge_pass"  # noqa: S105 - a cookie's name, not a secret
FORM_FIELD: Final = "altcha"
HEADER: Final = b"x-altcha"
_LARGEST_PAYLOAD: Final = 4096


class _AlreadyUsed(Exception):
    pass


@dataclass(frozen=True)
class HumanCheck:
    """Issues challenges, redeems solutions and checks passes, under one secret."""

    secret: bytes
    cost: int
    pass_seconds: int
    clock: Callable[[], float] = time.time

    @property
    def enabled(self) -> bool:
        return self.cost > 0

    def challenge(self) -> dict[str, Any]:
        """A signed challenge, as the JSON the solver expects."""
        challenge = create_challenge(
            ALGORITHM,
            self.cost,
            key_prefix=KEY_PREFIX,
            expires_at=int(self.clock()) + CHALLENGE_SECONDS,
            hmac_secret=self._key("challenge"),
        )
        document: dict[str, Any] = challenge.to_dict()
        return document

    def redeem(self, payload: str, first_use: Callable[[str, int], bool]) -> bool:
        """True when the payload solves one of our challenges, unexpired and never
        redeemed before. `first_use(key, seconds)` records a solution as used."""
        if not self.enabled or not payload or len(payload) > _LARGEST_PAYLOAD:
            return False
        try:
            parsed = Payload.from_base64(payload)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return False
        signature = parsed.challenge.signature

        # The library checks expiry and our signature before deriving the key: claiming
        # the solution there means a replay never costs a derivation, and nobody can fill
        # the store of used solutions with challenges we did not sign.
        def derive_once(parameters: ChallengeParameters, salt: bytes, password: bytes) -> bytes:
            if not isinstance(signature, str) or not first_use(signature, CHALLENGE_SECONDS):
                raise _AlreadyUsed
            return derive_key_pbkdf2(parameters, salt, password)

        try:
            result = verify_solution(parsed, self._key("challenge"), derive_once)
        except _AlreadyUsed:
            return False
        except (ValueError, TypeError, OverflowError):
            return False
        return bool(result.verified) and parsed.challenge.parameters.algorithm == ALGORITHM

    def new_pass(self) -> str:
        expires = int(self.clock()) + self.pass_seconds
        body = f"{expires}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self._mac(body)}"

    def pass_is_valid(self, value: str | None) -> bool:
        if not self.enabled or not value or len(value) > 100:
            return False
        body, _, mac = value.rpartition(".")
        expires, _, _nonce = body.partition(".")
        if not expires.isdigit() or not hmac.compare_digest(mac, self._mac(body)):
            return False
        return int(expires) > self.clock()

    def _mac(self, body: str) -> str:
        return hmac.digest(self._key("pass").encode(), body.encode(), hashlib.sha256).hex()[:32]

    def _key(self, purpose: str) -> str:
        return hmac.digest(
            self.secret, b"certbridge human check/" + purpose.encode(), "sha256"
        ).hex()


def pass_from_cookies(headers: list[tuple[bytes, bytes]] | Any) -> str | None:
    """The pass cookie's value from raw ASGI headers, if any."""
    for key, value in headers:
        if key.lower() != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            name, _, content = part.strip().partition("=")
            if name == PASS_COOKIE:
                return content
    return None


def solution_from_headers(headers: list[tuple[bytes, bytes]] | Any) -> str | None:
    for key, value in headers:
        if key.lower() == HEADER:
            decoded: str = value.decode("latin-1")
            return decoded
    return None
