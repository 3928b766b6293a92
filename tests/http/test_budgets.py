"""Whose budget a request spends: an address's, a solved browser's, an API token's, and
batches per token (issue 10.1, 10.5, 11.12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import quote

import pytest
from altcha import Challenge, Payload, solve_challenge
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from certbridge.auth.service import create_token
from certbridge.config import Settings
from certbridge.http.humancheck import PASS_COOKIE
from certbridge.identity import make_id_number
from certbridge.web.app import create_app

ID_NUMBER = make_id_number("110101", date(1990, 3, 7), 123)
PERSON = {"name": "张伟", "id_number": ID_NUMBER}  # nobody registered: each query is a 404


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    """Two anonymous queries, five once solved, three per token, one batch per token."""
    app = create_app(
        settings.model_copy(
            update={
                "rate_limit_per_minute": 2,
                "rate_limit_solved_per_minute": 5,
                "rate_limit_token_per_minute": 3,
                "batch_limit_per_minute": 1,
                "pow_cost": 1,
            }
        )
    )
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def _token(session: Session, role: str, scope: str) -> dict[str, str]:
    _, secret = create_token(session, role=role, scope=scope, label="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _person_queries(client: TestClient, count: int, **kwargs: object) -> list[int]:
    return [
        client.get("/api/v1/certificates", params=PERSON, **kwargs).status_code  # type: ignore[arg-type]
        for _ in range(count)
    ]


def _solution(client: TestClient) -> str:
    challenge = Challenge.from_dict(client.get("/api/v1/human-check/challenge").json())
    solution = solve_challenge(challenge)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def test_an_api_token_spends_its_own_budget_not_the_address_one(
    limited: TestClient, session: Session
) -> None:
    assert _person_queries(limited, 3) == [404, 404, 429]
    token = _token(session, "regulator", "*")
    assert _person_queries(limited, 4, headers=token) == [404, 404, 404, 429]
    assert _person_queries(limited, 1) == [429]  # the address is still spent


def test_tokens_have_a_budget_each(limited: TestClient, session: Session) -> None:
    first, second = _token(session, "regulator", "*"), _token(session, "regulator", "14")
    assert _person_queries(limited, 4, headers=first)[-1] == 429
    assert _person_queries(limited, 1, headers=second) == [404]


def test_an_unknown_token_on_a_person_query_is_refused_not_counted_as_anonymous(
    limited: TestClient,
) -> None:
    refused = limited.get(
        "/api/v1/certificates", params=PERSON, headers={"Authorization": "Bearer cbt_nope"}
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_a_token_query_by_number_goes_past_the_fast_path_to_the_token_budget(
    limited: TestClient, session: Session
) -> None:
    token = _token(session, "regulator", "*")
    path = f"/api/v1/certificates/T{ID_NUMBER}?name={quote('张伟')}"
    statuses = [limited.get(path, headers=token).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_batches_are_limited_per_token_with_a_chinese_message_and_retry_after(
    limited: TestClient, session: Session
) -> None:
    token = _token(session, "department", "mem:14")
    form = {"profile": "standard"}
    upload = {"file": ("batch.csv", b"\xef\xbb\xbf", "text/csv")}
    first = limited.post("/api/v1/exchange/batches", headers=token, data=form, files=upload)
    second = limited.post("/api/v1/exchange/batches", headers=token, data=form, files=upload)
    assert first.status_code != 429
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) >= 1
    assert second.json()["error"]["code"] == "rate_limited"
    assert "提交数据批次过于频繁" in second.json()["error"]["message"]
    other = _token(session, "department", "mem:35")
    third = limited.post("/api/v1/exchange/batches", headers=other, data=form, files=upload)
    assert third.status_code != 429


def test_a_browser_that_solved_the_challenge_gets_the_raised_budget_for_a_while(
    limited: TestClient,
) -> None:
    form = {**PERSON, "altcha": _solution(limited)}
    first = limited.post("/query", data=form)
    assert first.status_code == 404
    assert PASS_COOKIE in first.headers["set-cookie"]
    assert "HttpOnly" in first.headers["set-cookie"]
    # The pass cookie (kept by the client) carries the rest of the raised budget.
    statuses = [limited.post("/query", data=PERSON).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 404, 429]


def test_a_solution_counts_once(limited: TestClient) -> None:
    solution = _solution(limited)
    assert limited.post("/query", data={**PERSON, "altcha": solution}).status_code == 404
    limited.cookies.clear()
    replayed = [limited.post("/query", data={**PERSON, "altcha": solution}) for _ in range(3)]
    # Counted against the address's ordinary budget of two, and no pass given.
    assert [answer.status_code for answer in replayed] == [404, 404, 429]
    assert all("set-cookie" not in answer.headers for answer in replayed)


def test_the_api_takes_a_solution_in_a_header(limited: TestClient) -> None:
    header = {"X-Altcha": _solution(limited)}
    assert _person_queries(limited, 1, headers=header) == [404]
    assert _person_queries(limited, 5) == [404, 404, 404, 404, 429]


def test_without_javascript_the_form_works_at_the_base_budget(limited: TestClient) -> None:
    statuses = [limited.post("/query", data=PERSON).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_a_made_up_pass_cookie_is_worth_nothing(limited: TestClient) -> None:
    limited.cookies.set(PASS_COOKIE, "9999999999.abc.0123456789abcdef0123456789abcdef")
    assert _person_queries(limited, 3) == [404, 404, 429]


def test_the_fast_path_honours_the_pass_of_a_solved_browser(limited: TestClient) -> None:
    form = {**PERSON, "altcha": _solution(limited)}
    assert limited.post("/query", data=form).status_code == 404  # the pass is set here
    path = f"/api/v1/certificates/T{ID_NUMBER}?name={quote('张伟')}"
    statuses = [limited.get(path).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 404, 429]
