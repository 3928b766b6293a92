"""The proof-of-work check on the server: challenges, solutions, replays, passes."""

from __future__ import annotations

import base64
import json
import time

from altcha import Challenge, Payload, solve_challenge
from hypothesis import given
from hypothesis import strategies as st

from certbridge.http.humancheck import CHALLENGE_SECONDS, HumanCheck
from certbridge.http.ratelimit import Limiter

SECRET = b"test-human-check-secret-0123456789"


def _check(clock: float | None = None) -> HumanCheck:
    return HumanCheck(
        SECRET, cost=1, pass_seconds=600, clock=(lambda: clock) if clock else time.time
    )


def _solved(check: HumanCheck) -> str:
    challenge = Challenge.from_dict(check.challenge())
    solution = solve_challenge(challenge)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def _first_use() -> object:
    limiter = Limiter()
    return lambda key, seconds: limiter.first_use("altcha", key, seconds)


def test_a_solved_challenge_is_accepted_once_and_its_replay_refused() -> None:
    check, first_use = _check(), _first_use()
    payload = _solved(check)
    assert check.redeem(payload, first_use) is True  # type: ignore[arg-type]
    assert check.redeem(payload, first_use) is False  # type: ignore[arg-type]


def test_an_expired_challenge_is_refused() -> None:
    check = _check(clock=time.time() - CHALLENGE_SECONDS - 5)
    assert check.redeem(_solved(check), _first_use()) is False  # type: ignore[arg-type]


def test_a_challenge_made_easier_by_the_client_is_refused() -> None:
    check = _check()
    document = check.challenge()
    document["parameters"]["keyPrefix"] = ""  # any key would do
    challenge = Challenge.from_dict(document)
    solution = solve_challenge(challenge)
    assert solution is not None
    assert check.redeem(Payload(challenge, solution).to_base64(), _first_use()) is False  # type: ignore[arg-type]


def test_a_challenge_of_another_server_is_refused() -> None:
    other = HumanCheck(b"another-secret-0123456789abcdef", cost=1, pass_seconds=600)
    assert _check().redeem(_solved(other), _first_use()) is False  # type: ignore[arg-type]


def test_a_wrong_counter_is_refused_and_uses_the_challenge_up() -> None:
    check, first_use = _check(), _first_use()
    payload = json.loads(base64.b64decode(_solved(check)))
    payload["solution"]["counter"] += 1
    wrong = base64.b64encode(json.dumps(payload).encode()).decode()
    assert check.redeem(wrong, first_use) is False  # type: ignore[arg-type]


@given(st.text(max_size=300))
def test_any_text_as_a_solution_is_refused_without_an_error(text: str) -> None:
    assert _check().redeem(text, lambda _key, _seconds: True) is False
    encoded = base64.b64encode(text.encode()).decode()
    assert _check().redeem(encoded, lambda _key, _seconds: True) is False


def test_a_pass_is_valid_until_it_expires_and_cannot_be_forged() -> None:
    now = time.time()
    issued = _check(clock=now).new_pass()
    assert _check(clock=now + 599).pass_is_valid(issued)
    assert not _check(clock=now + 601).pass_is_valid(issued)
    expires, nonce, mac = issued.split(".")
    assert not _check(clock=now).pass_is_valid(f"{int(expires) + 3600}.{nonce}.{mac}")
    assert not HumanCheck(b"another-secret-0123456789abcdef", 1, 600).pass_is_valid(issued)
    assert not _check().pass_is_valid("")


def test_a_cost_of_zero_turns_the_check_off() -> None:
    off = HumanCheck(SECRET, cost=0, pass_seconds=600)
    assert not off.enabled
    assert off.redeem(_solved(_check()), lambda _key, _seconds: True) is False
    assert not off.pass_is_valid(_check().new_pass())
