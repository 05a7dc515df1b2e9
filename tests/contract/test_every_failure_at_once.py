"""CONTRACT §1: one 422 lists every failing field at once, across the request's phases.

Schema errors, the settings rules (§2 rules 3 and 5), unknown customers and domains, and
path parameters are all listed together (issue 10 part 5).
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import post_usage, put_domain, report

SETTINGS = "/api/users/me/notifications"


@pytest.fixture
def platform(make_user: MakeUser) -> Account:
    return make_user("platform")


def _errors(response: object) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    errors: list[dict[str, str]] = response.json()["errors"]  # type: ignore[attr-defined]
    return errors


def test_422_an_unknown_field_does_not_hide_a_missing_destination(
    client: TestClient, customer: Account
) -> None:
    response = client.put(
        SETTINGS,
        json={"colour": "blue", "email_overquota_callback": True, "email_overquota_email": "yes"},
        headers=customer.headers,
    )
    assert _errors(response) == [
        {"field": "colour", "description": "is not a known field"},
        {"field": "email_overquota_email", "description": "must be a boolean"},
        {
            "field": "notification_url",
            "description": "is required when enabling email_overquota_callback",
        },
    ]
    # Nothing of the refused request was saved.
    saved = client.get(SETTINGS, headers=customer.headers).json()["resources"][0]
    assert saved["email_overquota_callback"] is False


def test_422_a_failing_destination_is_named_once(client: TestClient, customer: Account) -> None:
    response = client.put(
        SETTINGS,
        json={"notification_url": "http://hooks.example.com", "domain_create_callback": True},
        headers=customer.headers,
    )
    assert _errors(response) == [
        {"field": "notification_url", "description": "must be an absolute https URL"}
    ]


def test_422_a_bad_path_parameter_does_not_hide_the_body_or_unknown_users(
    client: TestClient, platform: Account
) -> None:
    response = client.put(
        "/api/platform/domains/bad!!",
        json={"customer_code": "CU0NOSUCH", "status": "live"},
        headers=platform.headers,
    )
    fields = [error["field"] for error in _errors(response)]
    assert fields[0] == "domain_name"
    assert set(fields) == {"domain_name", "postmaster_code", "status", "customer_code"}
    assert {"field": "customer_code", "description": "is not a known customer"} in (
        _errors(response)
    )


def test_422_schema_errors_and_intake_checks_of_a_usage_batch_together(
    client: TestClient, platform: Account, customer: Account
) -> None:
    assert put_domain(client, platform, "example.com", customer_code=customer.code).is_success
    bad_shape = report("EA1", "example.com")
    bad_shape["space"] = {"used": -1, "assigned": 2}
    unknown_domain = report("EA2", "nowhere.example")
    future = report("EA3", "example.com", at="9999-12-31T23:59:59Z")
    response = post_usage(client, platform, bad_shape, unknown_domain, future)
    fields = [error["field"] for error in _errors(response)]
    assert fields == ["reports.0.space.used", "reports.1.domain_name", "reports.2.observed_at"]
