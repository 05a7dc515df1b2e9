"""CONTRACT §1: the conventions of the API family, one test per rule."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, MakeUser

URL = "/api/users/me/notifications"


def assert_error(response: httpx.Response, status: int, message: str) -> list[dict[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["message"] == message
    for error in body["errors"]:
        assert set(error) == {"field", "description"}
        assert error["description"][:1].islower()
        assert not error["description"].endswith(".")
    errors: list[dict[str, str]] = body["errors"]
    return errors


def test_base_path_is_api(client: TestClient, customer: Account) -> None:
    assert client.get(URL, headers=customer.headers).status_code == 200
    assert_error(client.get("/users/me/notifications", headers=customer.headers), 404, "Not found")


def test_success_bodies_wrap_a_single_resource_in_a_list_of_one(
    client: TestClient, customer: Account
) -> None:
    body = client.get(URL, headers=customer.headers).json()
    assert list(body) == ["resources"]
    assert len(body["resources"]) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Api-Token": "nope"}, {"X-Api-Token": "mn_0000000000000000_" + "a" * 43}],
    ids=["missing", "malformed", "unknown"],
)
def test_401_when_token_missing_or_unknown(client: TestClient, headers: dict[str, str]) -> None:
    assert assert_error(client.get(URL, headers=headers), 401, "Unauthorized") == []
    assert_error(client.put(URL, json={}, headers=headers), 401, "Unauthorized")


def test_401_when_token_revoked(client: TestClient, customer: Account, engine: Engine) -> None:
    from mailnotify import accounts
    from mailnotify.db import writing

    assert client.get(URL, headers=customer.headers).status_code == 200
    with writing(engine) as session:
        assert accounts.revoke_token(session=session, token_or_id=customer.token) == 1
    assert_error(client.get(URL, headers=customer.headers), 401, "Unauthorized")


def test_401_when_secret_is_wrong_for_a_real_token_id(
    client: TestClient, customer: Account
) -> None:
    forged = customer.token[:-4] + ("AAAA" if not customer.token.endswith("AAAA") else "BBBB")
    assert_error(client.get(URL, headers={"X-Api-Token": forged}), 401, "Unauthorized")


@pytest.mark.parametrize("role", ["postmaster", "mailbox", "team_member", "platform"])
def test_403_when_role_does_not_allow_it(
    client: TestClient, make_user: MakeUser, role: str
) -> None:
    user = make_user(role)
    assert assert_error(client.get(URL, headers=user.headers), 403, "Forbidden") == []
    assert_error(client.put(URL, json={}, headers=user.headers), 403, "Forbidden")


def test_403_when_user_is_disabled(client: TestClient, make_user: MakeUser) -> None:
    user = make_user("customer", disabled=True)
    assert_error(client.get(URL, headers=user.headers), 403, "Forbidden")
    assert_error(client.put(URL, json={}, headers=user.headers), 403, "Forbidden")


def test_404_for_unknown_route(client: TestClient, customer: Account) -> None:
    for path in ("/api/nope", "/api/users/you/notifications", "/"):
        assert assert_error(client.get(path, headers=customer.headers), 404, "Not found") == []


@pytest.mark.parametrize("method", ["DELETE", "POST", "PATCH", "OPTIONS", "TRACE"])
def test_405_lists_the_paths_real_methods_in_allow(
    client: TestClient, customer: Account, method: str
) -> None:
    response = client.request(method, URL, headers=customer.headers)
    assert_error(response, 405, "Method not allowed")
    assert response.headers["allow"] == "GET, HEAD, PUT"


def test_head_is_a_real_method_of_a_get_path(client: TestClient, customer: Account) -> None:
    assert client.head(URL, headers=customer.headers).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_415_for_a_body_that_is_not_json(
    client: TestClient, customer: Account, content_type: str
) -> None:
    response = client.put(
        URL, content=b"{}", headers={**customer.headers, "Content-Type": content_type}
    )
    errors = assert_error(response, 415, "Unsupported media type")
    assert errors == [{"field": "body", "description": "must be application/json"}]


def test_422_lists_every_failing_field_at_once(client: TestClient, customer: Account) -> None:
    response = client.put(
        URL,
        headers=customer.headers,
        json={
            "notification_url": "http://hooks.example.com",
            "email_overquota_callback": "true",
            "domain_create_callback": 1,
            "notification_email": "not-an-address",
            "email_overquota_email": None,
            "colour": "blue",
        },
    )
    errors = assert_error(response, 422, "Validation failed")
    assert sorted(errors, key=lambda e: e["field"]) == [
        {"field": "colour", "description": "is not a known field"},
        {"field": "domain_create_callback", "description": "must be a boolean"},
        {"field": "email_overquota_callback", "description": "must be a boolean"},
        {"field": "email_overquota_email", "description": "must be a boolean"},
        {"field": "notification_email", "description": "must be a valid email address"},
        {"field": "notification_url", "description": "must be an absolute https URL"},
    ]


@pytest.mark.parametrize(
    ("raw", "description"),
    [
        (b"", "is required"),
        (b"[]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"\xff\xfe{}", "must be UTF-8 encoded"),
        (b"{not json", "must be valid JSON"),
        (b'{"a": NaN', "must be valid JSON"),
    ],
    ids=["missing", "array", "string", "null", "not-utf8", "not-json", "truncated"],
)
def test_422_field_is_body_for_a_body_that_is_missing_or_not_an_object(
    client: TestClient, customer: Account, raw: bytes, description: str
) -> None:
    response = client.put(
        URL, content=raw, headers={**customer.headers, "Content-Type": "application/json"}
    )
    errors = assert_error(response, 422, "Validation failed")
    assert errors == [{"field": "body", "description": description}]


def test_500_has_the_error_body_and_no_stack_trace(
    client: TestClient, customer: Account, engine: Engine
) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE notification_settings"))
    response = client.get(URL, headers=customer.headers)
    assert assert_error(response, 500, "Internal server error") == []
    assert "Traceback" not in response.text
    assert "notification_settings" not in response.text


def test_every_response_carries_a_request_id(client: TestClient, customer: Account) -> None:
    ok = client.get(URL, headers=customer.headers)
    error = client.get(URL)
    assert len(ok.headers["x-request-id"]) >= 16
    assert ok.headers["x-request-id"] != error.headers["x-request-id"]
    echoed = client.get(URL, headers={"X-Request-Id": "trace-123"})
    assert echoed.headers["x-request-id"] == "trace-123"
    unsafe = client.get(URL, headers={"X-Request-Id": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", URL), ("PUT", "/api/platform/domains/example.com"), ("POST", "/api/platform/usage")],
)
def test_415_for_a_body_without_a_content_type(
    client: TestClient, make_user: MakeUser, method: str, path: str
) -> None:
    user = make_user("platform" if "platform" in path else "customer")
    response = client.request(method, path, content=b"{}", headers=user.headers)
    errors = assert_error(response, 415, "Unsupported media type")
    assert errors == [{"field": "body", "description": "must be application/json"}]


def test_422_for_absurdly_deep_json(client: TestClient, customer: Account) -> None:
    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.put(
        URL, content=deep, headers={**customer.headers, "Content-Type": "application/json"}
    )
    assert assert_error(response, 422, "Validation failed") == [
        {"field": "body", "description": "must be valid JSON"}
    ]


def test_422_for_a_body_over_16_mib(client: TestClient, customer: Account) -> None:
    huge = b'{"notification_email": "' + b"a" * (16 * 2**20) + b'"}'
    response = client.put(
        URL, content=huge, headers={**customer.headers, "Content-Type": "application/json"}
    )
    assert assert_error(response, 422, "Validation failed") == [
        {"field": "body", "description": "must be at most 16 MiB"}
    ]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_404_not_a_redirect_for_a_trailing_slash(
    client: TestClient, customer: Account, method: str
) -> None:
    response = client.request(method, URL + "/", headers=customer.headers, follow_redirects=False)
    assert assert_error(response, 404, "Not found") == []
    assert client.get("/api/ui/").status_code == 200
