"""CONTRACT §5: platform intake, role ``platform`` only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from starlette.testclient import TestClient

from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import (
    events,
    post_usage,
    put_domain,
    report,
)


@pytest.fixture
def platform(make_user: MakeUser) -> Account:
    return make_user("platform")


@pytest.mark.parametrize("role", ["customer", "manager", "postmaster", "mailbox", "team_member"])
def test_only_the_platform_role_may_call_intake(
    client: TestClient, make_user: MakeUser, customer: Account, role: str
) -> None:
    other = make_user(role)
    assert put_domain(client, other, "example.com", customer_code=customer.code).status_code == 403
    assert post_usage(client, other, report("EA1", "example.com")).status_code == 403


def test_upsert_domain_creates_then_updates(
    client: TestClient, platform: Account, customer: Account, make_user: MakeUser
) -> None:
    manager = make_user("manager")
    created = put_domain(
        client, platform, "example.com", customer_code=customer.code, status="pending"
    )
    assert created.status_code == 200, created.text
    assert created.json() == {
        "resources": [
            {
                "domain_name": "example.com",
                "customer_code": customer.code,
                "manager_code": None,
                "postmaster_code": "PM4D5E6",
                "status": "pending",
                "activated_at": None,
            }
        ]
    }
    updated = put_domain(
        client,
        platform,
        "example.com",
        customer_code=customer.code,
        manager_code=manager.code,
        postmaster_token="secret-token",
    )
    resource = updated.json()["resources"][0]
    assert resource["manager_code"] == manager.code
    assert resource["status"] == "active"
    assert resource["activated_at"] is not None
    assert "postmaster_token" not in resource


def test_upsert_domain_names_unknown_codes_and_bad_values_at_once(
    client: TestClient, platform: Account, make_user: MakeUser
) -> None:
    not_a_customer = make_user("manager")
    response = put_domain(
        client, platform, "example.com", customer_code=not_a_customer.code, manager_code="MGNOBODY"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "customer_code", "description": "is not a known customer"},
        {"field": "manager_code", "description": "is not a known manager"},
    ]
    bad = put_domain(
        client, platform, "example.com", customer_code="x", status="live", colour="red"
    )
    # Unknown codes are listed with the schema's failures (issue 10 part 5).
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["colour", "customer_code", "status"]


def test_domain_name_in_the_path_is_validated(
    client: TestClient, platform: Account, customer: Account
) -> None:
    response = put_domain(client, platform, "Not_A_Domain", customer_code=customer.code)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "domain_name", "description": "is not valid"}]


def test_usage_batch_counts_applied_ignored_and_events(
    client: TestClient, platform: Account, customer: Account
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    response = post_usage(
        client,
        platform,
        report("EA1", "example.com", space=(85, 100), at="2026-11-24T10:00:00Z"),
        report("EA1", "example.com", space=(99, 100), at="2026-11-24T09:00:00Z"),
        report("EA2", "example.com", space=(10, 100)),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"resources": [{"applied": 2, "ignored": 1, "events": 1}]}


def test_usage_batch_is_atomic_and_names_the_bad_report(
    client: TestClient, platform: Account, customer: Account, engine: Engine
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    response = post_usage(
        client,
        platform,
        report("EA1", "example.com", space=(99, 100)),
        report("EA2", "unknown.example", space=(99, 100)),
        {**report("EA3", "example.com"), "observed_at": "yesterday"},
    )
    assert response.status_code == 422
    # The schema's failures, then the intake's (issue 10 part 5: all at once).
    assert response.json()["errors"] == [
        {
            "field": "reports.2.observed_at",
            "description": "must be an RFC 3339 date-time with an offset",
        },
        {"field": "reports.1.domain_name", "description": "is not a known domain"},
    ]
    response = post_usage(
        client,
        platform,
        report("EA1", "example.com", space=(99, 100)),
        report("EA2", "unknown.example", space=(99, 100)),
    )
    assert response.json()["errors"] == [
        {"field": "reports.1.domain_name", "description": "is not a known domain"}
    ]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM mailboxes")).scalar() == 0
    assert events(engine) == [e for e in events(engine) if e["action_type"] == "domain_create"]


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (10_000, True), (10_001, False)])
def test_usage_batch_takes_1_to_10000_reports(
    client: TestClient, platform: Account, customer: Account, count: int, ok: bool
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    batch = [report(f"E{i}", "example.com") for i in range(count)]
    response = post_usage(client, platform, *batch)
    if ok:
        assert response.status_code == 200, response.text
        assert response.json()["resources"][0]["applied"] == count
    else:
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["reports"]


def test_a_report_must_belong_to_its_domain(
    client: TestClient, platform: Account, customer: Account
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    response = post_usage(
        client, platform, report("EA1", "example.com", address="alice@elsewhere.org")
    )
    assert response.json()["errors"] == [
        {"field": "reports.0.email_address", "description": "must be an address of domain_name"}
    ]


@pytest.mark.parametrize("value", ["PM1\n", "PM 1", ""])
def test_codes_are_matched_whole(
    client: TestClient, platform: Account, customer: Account, value: str
) -> None:
    response = put_domain(
        client, platform, "example.com", customer_code=customer.code, postmaster_code=value
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["postmaster_code"]


@pytest.mark.parametrize(
    "value",
    [
        "2026-W48-1T10:00:00Z",
        "20261124T100000Z",
        "2026-11-24T10Z",
        "2026-11-24T10:00:00",
        "2026-13-01T00:00:00Z",
    ],
)
def test_observed_at_must_be_rfc3339_with_an_offset(
    client: TestClient, platform: Account, customer: Account, value: str
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    response = post_usage(client, platform, {**report("EA1", "example.com"), "observed_at": value})
    assert response.json()["errors"] == [
        {
            "field": "reports.0.observed_at",
            "description": "must be an RFC 3339 date-time with an offset",
        }
    ]


@pytest.mark.parametrize("token", ["a\u0000b", "with space", "tab\there"])
def test_postmaster_token_is_printable_ascii(
    client: TestClient, platform: Account, customer: Account, token: str
) -> None:
    response = put_domain(
        client, platform, "example.com", customer_code=customer.code, postmaster_token=token
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["postmaster_token"]
