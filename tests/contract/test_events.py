"""CONTRACT §3: quota and domain events, and who they go to."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import (
    deliveries,
    enable,
    events,
    post_usage,
    put_domain,
    report,
)


@pytest.fixture
def platform(make_user: MakeUser) -> Account:
    return make_user("platform")


def quota_events(engine: Engine) -> list[tuple[str, str, int]]:
    return [
        (e["body"]["metric"], e["body"]["event"], e["body"]["payload"]["crossed"])
        for e in events(engine)
        if e["action_type"] == "email_overquota"
    ]


@pytest.mark.parametrize("metric", ["space", "messages"])
def test_quota_events_for_each_metric_follow_the_thresholds(
    client: TestClient, platform: Account, customer: Account, engine: Engine, metric: str
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    for minute, used in enumerate((50, 80, 90, 96, 99, 85, 75, 74, 74, 100)):
        sample = report("EA1", "example.com", at=f"2026-11-24T10:{minute:02d}:00Z")
        sample[metric] = {"used": used, "assigned": 100}
        response = post_usage(client, platform, sample)
        assert response.status_code == 200, response.text
    assert quota_events(engine) == [
        (metric, "exceeded", 80),
        (metric, "exceeded", 95),
        (metric, "back_to_normal", 75),
        (metric, "exceeded", 95),
    ]


def test_a_report_jumping_straight_to_critical_raises_one_event(
    client: TestClient, platform: Account, customer: Account, engine: Engine
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    post_usage(client, platform, report("EA1", "example.com", space=(97, 100)))
    assert quota_events(engine) == [("space", "exceeded", 95)]


def test_a_report_older_than_the_last_applied_one_is_ignored(
    client: TestClient, platform: Account, customer: Account, engine: Engine
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    post_usage(client, platform, report("EA1", "example.com", at="2026-11-24T10:00:00Z"))
    late = post_usage(
        client, platform, report("EA1", "example.com", space=(99, 100), at="2026-11-24T09:59:59Z")
    )
    assert late.json()["resources"][0] == {"applied": 0, "ignored": 1, "events": 0}
    assert quota_events(engine) == []


def test_the_webhook_body_is_the_contracts(
    client: TestClient, platform: Account, customer: Account, engine: Engine
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code)
    post_usage(
        client,
        platform,
        report(
            "EA1B2C3", "example.com", address="alice@example.com", space=(6871947674, 8589934592)
        ),
    )
    (event,) = [e for e in events(engine) if e["action_type"] == "email_overquota"]
    body = event["body"]
    assert body["id"] == event["id"]
    assert body["id"].startswith("evt_")
    assert body["created_at"].endswith("Z")
    assert {k: v for k, v in body.items() if k not in ("id", "created_at")} == {
        "action_type": "email_overquota",
        "event": "exceeded",
        "metric": "space",
        "domain_name": "example.com",
        "payload": {
            "email_address": "alice@example.com",
            "email_code": "EA1B2C3",
            "assigned_size": 8589934592,
            "used_size": 6871947674,
            "crossed": 80,
        },
    }


def test_domain_create_is_raised_the_first_time_a_domain_becomes_active(
    client: TestClient, platform: Account, customer: Account, engine: Engine
) -> None:
    put_domain(client, platform, "example.com", customer_code=customer.code, status="pending")
    assert events(engine) == []
    put_domain(
        client, platform, "example.com", customer_code=customer.code, postmaster_token="pm-token"
    )
    put_domain(client, platform, "example.com", customer_code=customer.code, status="disabled")
    put_domain(client, platform, "example.com", customer_code=customer.code, status="active")
    (event,) = events(engine)
    assert {k: v for k, v in event["body"].items() if k not in ("id", "created_at")} == {
        "action_type": "domain_create",
        "domain_name": "example.com",
        "postmaster_code": "PM4D5E6",
        "postmaster_token": "pm-token",
    }
    put_domain(client, platform, "other.example", customer_code=customer.code)
    assert "postmaster_token" not in events(engine)[1]["body"]


def test_recipients_are_the_customer_and_the_manager_each_by_their_own_settings(
    client: TestClient, platform: Account, make_user: MakeUser, engine: Engine
) -> None:
    customer, manager, stranger = make_user("customer"), make_user("manager"), make_user("customer")
    enable(client, customer, email_overquota_callback=True, domain_create_callback=True)
    enable(client, manager, email_overquota_email=True)
    enable(
        client,
        stranger,
        email_overquota_callback=True,
        domain_create_callback=True,
        email_overquota_email=True,
    )
    put_domain(
        client, platform, "example.com", customer_code=customer.code, manager_code=manager.code
    )
    post_usage(client, platform, report("EA1", "example.com", space=(90, 100)))
    assert deliveries(engine) == [
        ("domain_create", "webhook", customer.code, None),
        ("email_overquota", "webhook", customer.code, None),
        ("email_overquota", "email", manager.code, None),
        ("email_overquota", "mailbox_email", None, "ea1@example.com"),
    ]


def test_a_managers_domains_are_the_ones_assigned_to_it(
    client: TestClient, platform: Account, make_user: MakeUser, engine: Engine
) -> None:
    customer, manager = make_user("customer"), make_user("manager")
    enable(client, manager, email_overquota_callback=True)
    put_domain(
        client, platform, "mine.example", customer_code=customer.code, manager_code=manager.code
    )
    put_domain(client, platform, "theirs.example", customer_code=customer.code)
    post_usage(
        client,
        platform,
        report("EA1", "mine.example", space=(90, 100)),
        report("EA2", "theirs.example", space=(90, 100)),
    )
    assert [d for d in deliveries(engine) if d[1] != "mailbox_email"] == [
        ("email_overquota", "webhook", manager.code, None)
    ]


def test_mailbox_users_always_get_the_builtin_warnings_at_warning_and_critical(
    client: TestClient, platform: Account, customer: Account, engine: Engine
) -> None:
    # Every account action is off, and no SMTP server is configured: the warnings to the
    # mailbox itself are queued all the same, and wait in the outbox for SMTP.
    put_domain(client, platform, "example.com", customer_code=customer.code)
    for minute, used in enumerate((85, 96, 10)):
        post_usage(
            client,
            platform,
            report("EA1", "example.com", space=(used, 100), at=f"2026-11-24T10:0{minute}:00Z"),
        )
    assert deliveries(engine) == [
        ("email_overquota", "mailbox_email", None, "ea1@example.com"),
        ("email_overquota", "mailbox_email", None, "ea1@example.com"),
    ]
