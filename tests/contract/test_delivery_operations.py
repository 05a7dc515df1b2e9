"""CONTRACT §7: delivery operations for consumers, one test per rule, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, select, text, update
from standardwebhooks import Webhook
from starlette.testclient import TestClient

from mailnotify.app import create_app
from mailnotify.clock import now_ms
from mailnotify.config import Settings
from mailnotify.models import Delivery, DeliveryAttempt, NotificationSettings, table_of
from mailnotify.outbox.build import build_worker
from mailnotify.subscriptions import ping
from tests.conftest import Account, MakeUser
from tests.contract.platform_helpers import enable, post_usage, put_domain, report
from tests.receivers import HTTPSServer, SMTPServerHandle

BASE = "/api/users/me/notifications"
LIST = f"{BASE}/deliveries"
TEST = f"{BASE}/test"
ROTATE = f"{BASE}/signing-secret/rotate"
DELIVERY_FIELDS = {
    "id",
    "event_id",
    "action_type",
    "channel",
    "destination",
    "status",
    "attempt_count",
    "created_at",
    "next_attempt_at",
    "delivered_at",
    "last_attempt",
}


def activate(client: TestClient, platform: Account, owner: Account, name: str) -> None:
    response = put_domain(client, platform, name, customer_code=owner.code)
    assert response.status_code == 200, response.text


def listed(client: TestClient, account: Account, **params: Any) -> dict[str, Any]:
    response = client.get(LIST, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(client: TestClient, account: Account, **params: Any) -> list[str]:
    return [d["id"] for d in listed(client, account, **params)["resources"]]


def delivery_row(engine: Engine, public_id: str) -> int:
    deliveries = table_of(Delivery)
    with engine.connect() as connection:
        found = connection.execute(
            select(deliveries.c.id).where(deliveries.c.public_id == public_id)
        ).scalar_one()
    return int(found)


def add_attempt(engine: Engine, delivery_id: int, number: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(DeliveryAttempt)).values(
                delivery_id=delivery_id,
                number=number,
                started_at=datetime(2026, 11, 24, 10, 0, number, tzinfo=UTC),
                duration_ms=10 * number,
                **values,
            )
        )


@pytest.fixture
def platform(make_user: MakeUser) -> Account:
    return make_user("platform")


@pytest.fixture
def subscribed(client: TestClient, customer: Account) -> Account:
    """A customer with every action on."""
    enable(
        client,
        customer,
        domain_create_callback=True,
        email_overquota_callback=True,
        email_overquota_email=True,
    )
    return customer


def test_every_send_is_a_delivery_with_the_contract_fields(
    client: TestClient, platform: Account, subscribed: Account
) -> None:
    activate(client, platform, subscribed, "example.com")
    [delivery] = listed(client, subscribed)["resources"]
    assert set(delivery) == DELIVERY_FIELDS
    assert delivery["id"].startswith("dlv_")
    assert delivery["event_id"].startswith("evt_")
    assert (delivery["action_type"], delivery["channel"]) == ("domain_create", "webhook")
    assert delivery["status"] == "pending"
    assert delivery["attempt_count"] == 0
    assert delivery["next_attempt_at"] is not None
    assert (delivery["delivered_at"], delivery["last_attempt"]) == (None, None)


def test_the_delivery_log_is_newest_first_and_paginated(
    client: TestClient, platform: Account, subscribed: Account
) -> None:
    for index in range(5):
        activate(client, platform, subscribed, f"d{index}.example.com")
    every = listed(client, subscribed)
    assert every["pagination"] == {"per": 25, "page": 1, "total_pages": 1, "total_records": 5}
    newest_first = [d["id"] for d in every["resources"]]
    assert newest_first == sorted(newest_first, reverse=True)
    pages = [ids(client, subscribed, per=2, page=page) for page in (1, 2, 3, 4)]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:], []]
    assert listed(client, subscribed, per=2, page=3)["pagination"] == {
        "per": 2,
        "page": 3,
        "total_pages": 3,
        "total_records": 5,
    }


def test_the_delivery_log_filters(
    client: TestClient, platform: Account, subscribed: Account, engine: Engine
) -> None:
    activate(client, platform, subscribed, "example.com")
    response = post_usage(client, platform, report("EA1", "example.com", space=(90, 100)))
    assert response.status_code == 200, response.text
    every = listed(client, subscribed)["resources"]
    assert len(every) == 3  # domain webhook, quota webhook, quota email
    quota = [d for d in every if d["action_type"] == "email_overquota"]
    by_type = ids(client, subscribed, action_type="email_overquota")
    assert by_type == [d["id"] for d in quota]
    [email] = listed(client, subscribed, channel="email")["resources"]
    assert email["channel"] == "email"
    event_id = quota[0]["event_id"]
    assert len(ids(client, subscribed, event_id=event_id)) == 2
    assert ids(client, subscribed, status="delivered") == []
    assert len(ids(client, subscribed, status="pending")) == 3
    assert len(ids(client, subscribed, since="2000-01-01T00:00:00Z")) == 3
    assert ids(client, subscribed, until="2000-01-01T00:00:00Z") == []
    assert ids(client, subscribed, since="2999-01-01T00:00:00+01:00") == []
    combined = ids(client, subscribed, channel="webhook", action_type="domain_create")
    assert len(combined) == 1


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"per": 101}, ["per"]),
        ({"per": 0, "page": 0}, ["page", "per"]),
        ({"page": "two"}, ["page"]),
        ({"status": "lost", "channel": "pigeon"}, ["status", "channel"]),
        ({"since": "yesterday"}, ["since"]),
    ],
)
def test_invalid_query_parameters_are_422_naming_each(
    client: TestClient, customer: Account, params: dict[str, Any], fields: list[str]
) -> None:
    response = client.get(LIST, params=params, headers=customer.headers)
    assert response.status_code == 422, response.text
    assert sorted(e["field"] for e in response.json()["errors"]) == sorted(fields)


def test_mailbox_warnings_are_not_a_users_deliveries(
    client: TestClient, platform: Account, customer: Account
) -> None:
    activate(client, platform, customer, "example.com")
    response = post_usage(client, platform, report("EA1", "example.com", space=(90, 100)))
    assert response.status_code == 200, response.text
    assert listed(client, customer)["resources"] == []


def test_a_delivery_shows_all_its_attempts(
    client: TestClient, platform: Account, subscribed: Account, engine: Engine
) -> None:
    activate(client, platform, subscribed, "example.com")
    [public_id] = ids(client, subscribed)
    row = delivery_row(engine, public_id)
    add_attempt(engine, row, 1, error="connection refused")
    add_attempt(engine, row, 2, status_code=500, error="HTTP 500", response_excerpt="oops")
    response = client.get(f"{LIST}/{public_id}", headers=subscribed.headers)
    assert response.status_code == 200, response.text
    [found] = response.json()["resources"]
    assert set(found) == DELIVERY_FIELDS | {"attempts"}
    assert found["attempts"] == [
        {
            "number": 1,
            "started_at": "2026-11-24T10:00:01Z",
            "duration_ms": 10,
            "status_code": None,
            "error": "connection refused",
            "response_excerpt": None,
        },
        {
            "number": 2,
            "started_at": "2026-11-24T10:00:02Z",
            "duration_ms": 20,
            "status_code": 500,
            "error": "HTTP 500",
            "response_excerpt": "oops",
        },
    ]
    assert found["last_attempt"] == found["attempts"][1]
    assert listed(client, subscribed)["resources"][0]["last_attempt"] == found["attempts"][1]


def test_another_users_delivery_is_404_never_403(
    client: TestClient, platform: Account, subscribed: Account, make_user: MakeUser
) -> None:
    activate(client, platform, subscribed, "example.com")
    [public_id] = ids(client, subscribed)
    other = make_user("customer")
    for response in (
        client.get(f"{LIST}/{public_id}", headers=other.headers),
        client.post(f"{LIST}/{public_id}/redeliver", headers=other.headers),
        client.get(f"{LIST}/dlv_unknown", headers=subscribed.headers),
    ):
        assert response.status_code == 404, response.text
        assert response.json() == {"message": "Not found", "errors": []}
    assert listed(client, other)["resources"] == []


def test_redelivery_queues_the_delivery_now_whatever_its_status(
    client: TestClient, platform: Account, subscribed: Account, engine: Engine
) -> None:
    activate(client, platform, subscribed, "example.com")
    [public_id] = ids(client, subscribed)
    deliveries = table_of(Delivery)
    with engine.begin() as connection:
        connection.execute(
            update(deliveries)
            .where(deliveries.c.public_id == public_id)
            .values(status="failed", attempts=8, due_ms=0)
        )
    before = datetime.now(UTC).replace(microsecond=0)
    response = client.post(f"{LIST}/{public_id}/redeliver", headers=subscribed.headers)
    assert response.status_code == 202, response.text
    [found] = response.json()["resources"]
    assert set(found) == DELIVERY_FIELDS
    assert (found["id"], found["status"], found["attempt_count"]) == (public_id, "pending", 8)
    due = datetime.fromisoformat(found["next_attempt_at"])
    assert before <= due <= datetime.now(UTC)


OPERATIONS = [
    ("GET", LIST),
    ("GET", f"{LIST}/dlv_x"),
    ("POST", f"{LIST}/dlv_x/redeliver"),
    ("POST", TEST),
    ("POST", ROTATE),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("role", ["postmaster", "mailbox", "team_member", "platform"])
def test_other_roles_get_403(
    client: TestClient, make_user: MakeUser, role: str, method: str, path: str
) -> None:
    response = client.request(method, path, headers=make_user(role).headers, json={})
    assert response.status_code == 403, response.text
    assert response.json() == {"message": "Forbidden", "errors": []}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_disabled_customer_gets_403(
    client: TestClient, make_user: MakeUser, method: str, path: str
) -> None:
    response = client.request(method, path, headers=make_user(disabled=True).headers, json={})
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_customers_and_managers_may_read_their_log_and_rotate(
    client: TestClient, make_user: MakeUser, role: str
) -> None:
    user = make_user(role)
    assert listed(client, user)["resources"] == []
    response = client.post(ROTATE, headers=user.headers, json={})
    assert response.status_code == 200, response.text


# --- rotation ---------------------------------------------------------------------------


def test_rotation_returns_a_new_secret_and_keeps_the_previous_one_until_it_expires(
    client: TestClient, customer: Account
) -> None:
    before = client.get(f"{BASE}/signing-secret", headers=customer.headers).json()
    [old] = before["resources"]
    assert old["previous_expires_at"] is None
    response = client.post(ROTATE, json={"previous_expires_in": 3600}, headers=customer.headers)
    assert response.status_code == 200, response.text
    [new] = response.json()["resources"]
    assert new["secret"].startswith("whsec_")
    assert new["secret"] != old["secret"]
    expires = datetime.fromisoformat(new["previous_expires_at"])
    assert 3500 <= (expires - datetime.now(UTC)).total_seconds() <= 3600
    shown = client.get(f"{BASE}/signing-secret", headers=customer.headers).json()
    assert shown["resources"] == [new]


def test_rotation_defaults_to_a_day_and_zero_ends_the_previous_secret_at_once(
    client: TestClient, customer: Account
) -> None:
    default = client.post(ROTATE, headers=customer.headers).json()["resources"][0]
    left = datetime.fromisoformat(default["previous_expires_at"]) - datetime.now(UTC)
    assert 86_300 <= left.total_seconds() <= 86_400
    now = client.post(ROTATE, json={"previous_expires_in": 0}, headers=customer.headers)
    assert now.json()["resources"][0]["previous_expires_at"] is None


@pytest.mark.parametrize("value", [-1, 604_801, "60", 1.5, None])
def test_rotation_refuses_an_overlap_outside_0_to_604800(
    client: TestClient, customer: Account, value: object
) -> None:
    before = client.get(f"{BASE}/signing-secret", headers=customer.headers).json()
    response = client.post(ROTATE, json={"previous_expires_in": value}, headers=customer.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["previous_expires_in"]
    assert client.get(f"{BASE}/signing-secret", headers=customer.headers).json() == before


# --- endpoint health ----------------------------------------------------------------------


def set_state(engine: Engine, account: Account, **values: object) -> None:
    table = table_of(NotificationSettings)
    with engine.begin() as connection:
        user_id = connection.execute(
            text("SELECT id FROM users WHERE code = :c"), {"c": account.code}
        ).scalar_one()
        connection.execute(update(table).where(table.c.user_id == user_id).values(**values))


def webhook_status(client: TestClient, account: Account) -> dict[str, Any]:
    response = client.get(BASE, headers=account.headers)
    status: dict[str, Any] = response.json()["resources"][0]["webhook_status"]
    return status


def test_webhook_status_is_read_only_in_the_settings(
    client: TestClient, customer: Account, engine: Engine
) -> None:
    set_state(engine, customer, webhook_state="disabled", disabled_ms=1_795_514_400_000)
    shown = client.get(BASE, headers=customer.headers).json()["resources"][0]
    assert shown["webhook_status"] == {
        "state": "disabled",
        "failing_since": None,
        "disabled_at": "2026-11-24T10:00:00Z",
        "last_success_at": None,
    }
    # The resource as read may be saved back: webhook_status is ignored, not refused
    # (without notification_url, whose saving would make the endpoint healthy).
    del shown["notification_url"]
    forged = {**shown, "webhook_status": {**shown["webhook_status"], "state": "healthy"}}
    response = client.put(BASE, json=forged, headers=customer.headers)
    assert response.status_code == 200, response.text
    assert response.json()["resources"][0]["webhook_status"] == shown["webhook_status"]


def test_saving_notification_url_even_unchanged_makes_the_endpoint_healthy(
    client: TestClient, customer: Account, engine: Engine
) -> None:
    enable(client, customer, domain_create_callback=True)
    set_state(
        engine,
        customer,
        webhook_state="disabled",
        failing_since_ms=1_795_000_000_000,
        disabled_ms=1_795_514_400_000,
        last_success_ms=1_794_000_000_000,
    )
    unrelated = client.put(BASE, json={"email_overquota_email": False}, headers=customer.headers)
    assert unrelated.json()["resources"][0]["webhook_status"]["state"] == "disabled"
    same = client.get(BASE, headers=customer.headers).json()["resources"][0]["notification_url"]
    saved = client.put(BASE, json={"notification_url": same}, headers=customer.headers)
    assert saved.status_code == 200, saved.text
    [resource] = saved.json()["resources"]
    assert resource["webhook_status"] == {
        "state": "healthy",
        "failing_since": None,
        "disabled_at": None,
        "last_success_at": "2026-11-06T21:20:00Z",
    }
    assert resource["domain_create_callback"] is True  # the switches stay as set


# --- test pings ----------------------------------------------------------------------------


@pytest.fixture
def local_client(settings: Settings, engine: Engine, receiver: HTTPSServer) -> Iterator[TestClient]:
    """The app with the loopback receiver allowed and its CA trusted."""
    local = settings.model_copy(
        update={"webhook_allow_cidrs": "127.0.0.0/8", "webhook_ca_bundle": receiver.ca_bundle}
    )
    with TestClient(create_app(local, engine=engine), raise_server_exceptions=False) as client:
        yield client


def use_receiver(
    client: TestClient, account: Account, engine: Engine, receiver: HTTPSServer, path: str
) -> str:
    url = f"https://127.0.0.1:{receiver.port}{path}"
    response = client.put(BASE, json={"notification_url": url}, headers=account.headers)
    assert response.status_code == 200, response.text
    set_state(engine, account, signing_secret=receiver.secret)
    return url


def test_a_ping_arrives_signed_even_with_every_action_off(
    local_client: TestClient, customer: Account, engine: Engine, receiver: HTTPSServer
) -> None:
    url = use_receiver(local_client, customer, engine, receiver, "/ok")
    response = local_client.post(TEST, json={"channel": "webhook"}, headers=customer.headers)
    assert response.status_code == 200, response.text
    [found] = response.json()["resources"]
    [received] = receiver.receiver.requests
    assert received.verified
    assert Webhook(receiver.secret).verify(received.body, received.headers)["action_type"] == "ping"
    assert (found["status"], found["destination"], found["action_type"]) == (
        "delivered",
        url,
        "ping",
    )
    assert [a["number"] for a in found["attempts"]] == [1]
    assert found["attempts"][0]["status_code"] == 200
    assert ids(local_client, customer) == [found["id"]]


def test_a_failed_ping_is_recorded_not_retried_and_changes_nothing_else(
    local_client: TestClient, customer: Account, engine: Engine, receiver: HTTPSServer
) -> None:
    use_receiver(local_client, customer, engine, receiver, "/fail")
    set_state(engine, customer, webhook_state="disabled", disabled_ms=1_795_514_400_000)
    response = local_client.post(TEST, headers=customer.headers)
    assert response.status_code == 200, response.text
    [found] = response.json()["resources"]
    assert found["status"] == "failed"
    assert found["next_attempt_at"] is None
    assert found["last_attempt"]["status_code"] == 500
    assert webhook_status(local_client, customer)["state"] == "disabled"


def test_a_successful_ping_makes_a_disabled_endpoint_healthy(
    local_client: TestClient, customer: Account, engine: Engine, receiver: HTTPSServer
) -> None:
    use_receiver(local_client, customer, engine, receiver, "/accepted")
    set_state(engine, customer, webhook_state="disabled", disabled_ms=1_795_514_400_000)
    assert local_client.post(TEST, headers=customer.headers).status_code == 200
    status = webhook_status(local_client, customer)
    assert status["state"] == "healthy"
    assert status["last_success_at"] is not None


@pytest.mark.parametrize(
    ("channel", "field"), [("webhook", "notification_url"), ("email", "notification_email")]
)
def test_a_test_without_a_saved_destination_is_422_on_it(
    client: TestClient, customer: Account, channel: str, field: str
) -> None:
    response = client.post(TEST, json={"channel": channel}, headers=customer.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert listed(client, customer)["resources"] == []


def test_at_most_five_tests_per_user_per_minute_then_429_with_retry_after(
    local_client: TestClient,
    customer: Account,
    make_user: MakeUser,
    engine: Engine,
    receiver: HTTPSServer,
) -> None:
    use_receiver(local_client, customer, engine, receiver, "/ok")
    for _ in range(ping.LIMIT):
        assert local_client.post(TEST, headers=customer.headers).status_code == 200
    refused: httpx.Response = local_client.post(TEST, headers=customer.headers)
    assert refused.status_code == 429, refused.text
    assert refused.json() == {"message": "Too many requests", "errors": []}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert len(receiver.receiver.requests) == ping.LIMIT
    other = make_user("customer")
    use_receiver(local_client, other, engine, receiver, "/ok")
    assert local_client.post(TEST, headers=other.headers).status_code == 200


# --- the worker: auto-disable and redelivery -------------------------------------------------


class ManualClock:
    """The worker's clock, moved by hand past each retry instead of sleeping."""

    def __init__(self) -> None:
        # Ahead of whatever the API stamps due during the test's setup.
        self.now = now_ms() + 60_000

    def __call__(self) -> int:
        return self.now


def delivery_states(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    """(action_type, channel, status, last_error) of every delivery, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT e.action_type, d.channel, d.status, d.last_error FROM deliveries d"
                " JOIN events e ON e.id = d.event_id ORDER BY d.id"
            )
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]


@pytest.fixture
def quick_settings(
    settings: Settings, receiver: HTTPSServer, smtp_server: SMTPServerHandle
) -> Settings:
    """Loopback receiver and SMTP server, two 1 s retries, disabled at the first spent one."""
    return settings.model_copy(
        update={
            "webhook_allow_cidrs": "127.0.0.0/8",
            "webhook_ca_bundle": receiver.ca_bundle,
            "smtp_url": f"smtp://127.0.0.1:{smtp_server.port}",
            "retry_schedule": "1s,1s",
            "disable_after": "0s",
        }
    )


async def test_a_disabled_endpoint_skips_later_webhooks_and_one_email_says_how_to_re_enable(
    quick_settings: Settings,
    engine: Engine,
    receiver: HTTPSServer,
    smtp_server: SMTPServerHandle,
    make_user: MakeUser,
) -> None:
    clock = ManualClock()
    customer, platform = make_user("customer"), make_user("platform")
    # The worker as the app and `mailnotify worker` build it: no health passed in.
    worker = build_worker(quick_settings, engine, clock=clock)
    with TestClient(create_app(quick_settings, engine=engine)) as client:
        url = use_receiver(client, customer, engine, receiver, "/fail")
        enable(
            client,
            customer,
            notification_url=url,
            notification_email="ops@example.com",
            domain_create_callback=True,
        )
        set_state(engine, customer, signing_secret=receiver.secret)
        activate(client, platform, customer, "example.com")
        for _ in range(3):  # the first attempt and the schedule's two retries
            assert await worker.run_once() == 1
            with engine.connect() as connection:
                due = connection.execute(text("SELECT max(due_ms) FROM deliveries")).scalar_one()
            clock.now = max(clock.now, int(due))
        status = webhook_status(client, customer)
        assert status["state"] == "disabled"
        assert status["disabled_at"] is not None

        activate(client, platform, customer, "second.example")
        assert await worker.run_once() == 2  # the notice and the later webhook
        assert await worker.run_once() == 0  # nothing sent twice
        assert len(receiver.receiver.requests) == 3
        states = delivery_states(engine)
        assert states[1:] == [
            ("endpoint_disabled", "email", "delivered", None),
            ("domain_create", "webhook", "skipped", "the endpoint is disabled"),
        ]
        [envelope] = smtp_server.mailroom.messages
        assert envelope.rcpt_tos == ["ops@example.com"]
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        assert isinstance(message, EmailMessage)
        assert "disabled" in message["Subject"]
        text_part = message.get_body(("plain",))
        assert text_part is not None
        body = text_part.get_content()
        assert url in body
        assert "notification_url" in body
        assert "test ping" in body

        response = client.put(BASE, json={"notification_url": url}, headers=customer.headers)
        assert response.status_code == 200, response.text
        assert webhook_status(client, customer)["state"] == "healthy"


def attempt_numbers(client: TestClient, account: Account, public_id: str) -> list[int]:
    response = client.get(f"{LIST}/{public_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return [a["number"] for a in response.json()["resources"][0]["attempts"]]


def redeliver(client: TestClient, account: Account, public_id: str) -> None:
    response = client.post(f"{LIST}/{public_id}/redeliver", headers=account.headers)
    assert response.status_code == 202, response.text


async def test_a_redelivery_goes_to_the_url_saved_now_with_the_same_webhook_id_signed_afresh(
    quick_settings: Settings, engine: Engine, receiver: HTTPSServer, make_user: MakeUser
) -> None:
    customer, platform = make_user("customer"), make_user("platform")
    worker = build_worker(quick_settings, engine, clock=ManualClock())
    with TestClient(create_app(quick_settings, engine=engine)) as client:
        use_receiver(client, customer, engine, receiver, "/ok")
        enable(
            client,
            customer,
            notification_url=f"https://127.0.0.1:{receiver.port}/ok",
            domain_create_callback=True,
        )
        activate(client, platform, customer, "example.com")
        assert await worker.run_once() == 1
        [public_id] = ids(client, customer)
        moved = use_receiver(client, customer, engine, receiver, "/accepted")
        redeliver(client, customer, public_id)
        assert await worker.run_once() == 1
        first, again = receiver.receiver.requests
        assert (first.path, again.path) == ("/ok", "/accepted")
        assert again.verified
        assert again.headers["webhook-id"] == first.headers["webhook-id"]
        assert again.body == first.body
        assert attempt_numbers(client, customer, public_id) == [1, 2]
        [found] = listed(client, customer)["resources"]
        assert (found["status"], found["destination"]) == ("delivered", moved)


async def test_a_redelivery_is_sent_even_when_its_action_is_now_switched_off(
    quick_settings: Settings, engine: Engine, receiver: HTTPSServer, make_user: MakeUser
) -> None:
    customer, platform = make_user("customer"), make_user("platform")
    worker = build_worker(quick_settings, engine, clock=ManualClock())
    with TestClient(create_app(quick_settings, engine=engine)) as client:
        url = use_receiver(client, customer, engine, receiver, "/ok")
        enable(client, customer, notification_url=url, domain_create_callback=True)
        activate(client, platform, customer, "example.com")
        assert await worker.run_once() == 1
        [public_id] = ids(client, customer)
        enable(client, customer, notification_url=url, domain_create_callback=False)
        redeliver(client, customer, public_id)
        assert await worker.run_once() == 1
        assert [r.verified for r in receiver.receiver.requests] == [True, True]
        [found] = listed(client, customer)["resources"]
        assert (found["status"], found["attempt_count"]) == ("delivered", 2)
        # Only what was asked for goes: the next event of that action is not sent.
        activate(client, platform, customer, "second.example")
        await worker.run_once()
        assert len(receiver.receiver.requests) == 2


async def test_a_redelivered_webhook_ping_arrives_as_a_ping(
    quick_settings: Settings, engine: Engine, receiver: HTTPSServer, customer: Account
) -> None:
    worker = build_worker(quick_settings, engine, clock=ManualClock())
    with TestClient(create_app(quick_settings, engine=engine)) as client:
        use_receiver(client, customer, engine, receiver, "/ok")
        response = client.post(TEST, json={"channel": "webhook"}, headers=customer.headers)
        assert response.status_code == 200, response.text
        public_id = response.json()["resources"][0]["id"]
        redeliver(client, customer, public_id)
        assert await worker.run_once() == 1
        first, again = receiver.receiver.requests
        assert again.verified
        assert again.headers["webhook-id"] == first.headers["webhook-id"]
        assert Webhook(receiver.secret).verify(again.body, again.headers)["action_type"] == "ping"
        assert attempt_numbers(client, customer, public_id) == [1, 2]


async def test_a_redelivered_email_ping_arrives_as_the_test_message(
    quick_settings: Settings, engine: Engine, smtp_server: SMTPServerHandle, customer: Account
) -> None:
    worker = build_worker(quick_settings, engine, clock=ManualClock())
    with TestClient(create_app(quick_settings, engine=engine)) as client:
        enable(client, customer, notification_email="ops@example.com")
        response = client.post(TEST, json={"channel": "email"}, headers=customer.headers)
        assert response.status_code == 200, response.text
        public_id = response.json()["resources"][0]["id"]
        redeliver(client, customer, public_id)
        assert await worker.run_once() == 1
        subjects = []
        for envelope in smtp_server.mailroom.messages:
            assert envelope.rcpt_tos == ["ops@example.com"]
            assert isinstance(envelope.content, bytes)
            subjects.append(message_from_bytes(envelope.content)["Subject"])
        assert len(subjects) == 2
        assert subjects[0] == subjects[1]
        assert "Test message" in subjects[1]
        [found] = listed(client, customer)["resources"]
        assert (found["status"], found["action_type"]) == ("delivered", "ping")
        assert attempt_numbers(client, customer, public_id) == [1, 2]


async def test_a_redelivered_ping_that_fails_is_not_retried_and_changes_nothing_else(
    quick_settings: Settings, engine: Engine, receiver: HTTPSServer, customer: Account
) -> None:
    worker = build_worker(quick_settings, engine, clock=ManualClock())
    with TestClient(create_app(quick_settings, engine=engine)) as client:
        use_receiver(client, customer, engine, receiver, "/fail")
        response = client.post(TEST, json={"channel": "webhook"}, headers=customer.headers)
        public_id = response.json()["resources"][0]["id"]
        redeliver(client, customer, public_id)
        assert await worker.run_once() == 1
        [found] = listed(client, customer)["resources"]
        assert (found["status"], found["next_attempt_at"]) == ("failed", None)
        # With MAILNOTIFY_DISABLE_AFTER=0s a webhook's spent schedule would disable it.
        assert webhook_status(client, customer)["state"] == "healthy"
        assert await worker.run_once() == 0


def test_during_a_rotation_a_test_ping_carries_both_signatures_like_every_webhook(
    local_client: TestClient, customer: Account, engine: Engine, receiver: HTTPSServer
) -> None:
    use_receiver(local_client, customer, engine, receiver, "/ok")
    response = local_client.post(
        ROTATE, json={"previous_expires_in": 3600}, headers=customer.headers
    )
    assert response.status_code == 200, response.text
    new = response.json()["resources"][0]["secret"]
    assert new != receiver.secret
    assert local_client.post(TEST, headers=customer.headers).status_code == 200
    [received] = receiver.receiver.requests
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    for secret in (receiver.secret, new):  # the previous one, and the new one
        assert Webhook(secret).verify(received.body, received.headers)["action_type"] == "ping"
