"""Security headers on every answer, JSON errors for machine-read resources, the body
ceiling, and /docs (issue 10.6, 10.11, 11.15)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from certbridge.config import Settings
from certbridge.credentials.settings import CredentialSettings
from certbridge.web.app import create_app

EVERY_KIND_OF_ANSWER = [
    "/",
    "/institutions",
    "/recognition",
    "/credentials/verify",
    "/docs",
    "/openapi.json",
    "/static/site.css",
    "/api/v1/institutions?q=%E7%84%8A",
    f"/api/v1/certificates/T000000000000000000?name={quote('张伟')}",  # the fast path
    "/api/v1/human-check/challenge",
    "/no-such-page",
    "/api/v1/no-such-thing",
]


@pytest.fixture
def https_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"public_base_url": "https://cert.example"}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.engine.dispose()


@pytest.mark.parametrize("path", EVERY_KIND_OF_ANSWER)
def test_every_answer_carries_the_security_headers(https_client: TestClient, path: str) -> None:
    headers = https_client.get(path).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["strict-transport-security"].startswith("max-age=")


def test_a_server_error_carries_them_too(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/boom")
    app.state.engine.dispose()
    assert answer.status_code == 500
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "strict-transport-security" not in answer.headers  # plain HTTP: no HSTS


@pytest.mark.parametrize(
    "path",
    [
        "/issuers/no-such-issuer/did.json",
        "/issuers/BAD_SLUG/did.json",
        "/credentials/status/no-such-issuer/revocation/1",
        "/credentials/status/no-such-issuer/other/1",
    ],
)
def test_errors_of_issuer_and_status_list_documents_are_json(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code in (404, 422)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["code"]


def test_a_declared_body_over_the_ceiling_is_refused_before_it_is_read(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": 4096}))
    with TestClient(app) as client:
        answer = client.post(
            "/api/v1/recognition/evaluate",
            content=b"{" + b" " * 5000 + b"}",
            headers={"content-type": "application/json"},
        )
        page = client.post("/query", data={"name": "张" * 3000, "id_number": "1"})
    app.state.engine.dispose()
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "request.too_large"
    assert "4096" in answer.json()["error"]["message"]
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "请求内容过大" in page.text


def test_a_streamed_body_is_counted_and_refused_once_over_the_ceiling(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": 4096}))

    def chunks() -> Iterator[bytes]:
        yield b'{"certificates": ['
        for _ in range(100):
            yield b" " * 100

    with TestClient(app) as client:
        answer = client.post(
            "/api/v1/credentials/verify",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    app.state.engine.dispose()
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "request.too_large"


def test_uploads_are_left_to_their_own_limit(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": 4096}))
    with TestClient(app) as client:
        answer = client.post(
            "/credentials/verify",
            files={"upload": ("c.json", b"{" + b" " * 8000 + b"}", "application/json")},
        )
    app.state.engine.dispose()
    assert answer.status_code != 413


def test_the_default_ceiling_fits_the_largest_credential_a_verifier_accepts() -> None:
    largest = CredentialSettings().max_credential_bytes
    assert Settings(environment="test").max_body_bytes > largest + 1024


def test_a_credential_of_the_largest_accepted_size_reaches_the_verifier(client: TestClient) -> None:
    largest = CredentialSettings().max_credential_bytes
    body = json.dumps({"padding": "x" * (largest - 20)}).encode()
    assert len(body) <= largest
    answer = client.post(
        "/api/v1/credentials/verify", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200
    assert answer.json()["verified"] is False


def test_the_docs_page_has_no_inline_script_and_a_way_back(client: TestClient) -> None:
    page = client.get("/docs").text
    assert '<a href="/"' in page
    scripts = page.split("<script")[1:]
    assert scripts
    assert all(script.lstrip().startswith("src=") for script in scripts)
    assert client.get("/static/docs.js").status_code == 200


def test_every_operation_has_one_tag_and_it_names_a_resource(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    declared = {tag["name"] for tag in schema["tags"]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert len(operation["tags"]) == 1, (method, path)
            assert operation["tags"][0] in declared, (method, path)
    assert all(" (" in name and name.endswith(")") for name in declared)


def test_the_write_routes_declare_the_bearer_scheme_for_swagger_authorize(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "cbt_…",
        "description": schema["components"]["securitySchemes"]["bearer"]["description"],
    }
    status_change = schema["paths"]["/api/v1/certificates/{number}/status"]["post"]
    assert status_change["security"] == [{"bearer": []}]
    person_query = schema["paths"]["/api/v1/certificates"]["get"]
    assert person_query["security"] == [{"bearer": []}, {}]  # optional: its own budget
