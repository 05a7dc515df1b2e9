"""The intake's own checks on domains and usage reports (beyond the schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import post_usage, put_domain, report


@pytest.fixture
def platform(make_user: MakeUser) -> Account:
    return make_user("platform")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_defect_7_a_domain_is_not_assigned_to_a_disabled_customer_or_manager(
    client: TestClient, platform: Account, make_user: MakeUser
) -> None:
    customer = make_user("customer", disabled=True)
    manager = make_user("manager", disabled=True)
    response = put_domain(
        client, platform, "example.com", customer_code=customer.code, manager_code=manager.code
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "customer_code", "description": "is a disabled customer"},
        {"field": "manager_code", "description": "is a disabled manager"},
    ]
    enabled = make_user("customer")
    response = put_domain(
        client, platform, "example.com", customer_code=enabled.code, manager_code=manager.code
    )
    assert response.json()["errors"] == [
        {"field": "manager_code", "description": "is a disabled manager"}
    ]


def test_defect_8_a_report_from_the_far_future_is_refused(
    client: TestClient, platform: Account, customer: Account
) -> None:
    assert put_domain(client, platform, "example.com", customer_code=customer.code).is_success
    now = datetime.now(UTC)
    far = report("EA1", "example.com", at="9999-12-31T23:59:59Z")
    soon = report("EA2", "example.com", at=_rfc3339(now + timedelta(minutes=10)))
    unknown = report("EA3", "nowhere.example", at="9999-12-31T23:59:59Z")
    response = post_usage(client, platform, far, soon, unknown)
    assert response.status_code == 422, response.text
    ahead = "must not be more than 5 minutes ahead of the server's clock"
    assert response.json()["errors"] == [
        {"field": "reports.0.observed_at", "description": ahead},
        {"field": "reports.1.observed_at", "description": ahead},
        {"field": "reports.2.domain_name", "description": "is not a known domain"},
        {"field": "reports.2.observed_at", "description": ahead},
    ]
    # Clock skew within the tolerance is fine, and a later real report still applies.
    skewed = report("EA1", "example.com", at=_rfc3339(now + timedelta(minutes=2)))
    assert post_usage(client, platform, skewed).json()["resources"][0]["applied"] == 1
    later = report("EA1", "example.com", at=_rfc3339(now + timedelta(minutes=3)))
    assert post_usage(client, platform, later).json()["resources"][0]["applied"] == 1


def test_defect_2_the_intakes_own_failures_are_capped_too(
    client: TestClient, platform: Account
) -> None:
    reports = [report(f"EA{i}", "nowhere.example") for i in range(150)]
    response = post_usage(client, platform, *reports)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert len(errors) == 101
    assert errors[99] == {"field": "reports.99.domain_name", "description": "is not a known domain"}
    assert errors[100] == {"field": "body", "description": "has 50 more failing fields, not listed"}
