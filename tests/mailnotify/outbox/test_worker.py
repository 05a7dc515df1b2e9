"""The delivery worker against a real HTTPS receiver and a real SMTP server (CONTRACT §4)."""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from starlette.testclient import TestClient

from mailnotify import accounts
from mailnotify.app import create_app
from mailnotify.clock import now_ms
from mailnotify.config import Settings
from mailnotify.db import writing
from mailnotify.delivery.schedule import DELAYS
from mailnotify.delivery.signing import generate_secret
from mailnotify.outbox.build import build_worker
from mailnotify.outbox.worker import DeliveryWorker
from tests.conftest import MakeUser
from tests.contract.platform_helpers import post_usage, put_domain, report
from tests.receivers import HTTPSServer, Received, SMTPServerHandle


class FakeClock:
    """The worker's clock, moved by hand: retries are checked without sleeping."""

    def __init__(self) -> None:
        # Ahead of the deliveries the API stamps due during the test's setup, however slow
        # a loaded machine makes it.
        self.now = now_ms() + 60_000

    def __call__(self) -> int:
        return self.now


class Midpoint:
    """Jitter pinned to its middle, so each retry lands exactly on the schedule."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


@pytest.fixture
def local_settings(settings: Settings, receiver: HTTPSServer) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_cidrs": "127.0.0.0/8", "webhook_ca_bundle": receiver.ca_bundle}
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def worker(local_settings: Settings, engine: Engine, clock: FakeClock) -> DeliveryWorker:
    return build_worker(local_settings, engine, clock=clock, rng=Midpoint())


@pytest.fixture
def client(local_settings: Settings, engine: Engine) -> Any:
    with TestClient(create_app(local_settings, engine=engine)) as test_client:
        yield test_client


class Scene:
    """A customer and the platform, talking to the app; the receiver on loopback."""

    def __init__(
        self, client: TestClient, engine: Engine, receiver: HTTPSServer, make_user: MakeUser
    ) -> None:
        self.client, self.engine, self.receiver = client, engine, receiver
        self.customer, self.platform = make_user("customer"), make_user("platform")

    def subscribe(self, path: str, **actions: bool) -> None:
        """Point the customer's webhooks at ``path`` on the receiver and switch ``actions``."""
        url = f"https://127.0.0.1:{self.receiver.port}{path}"
        response = self.client.put(
            "/api/users/me/notifications",
            headers=self.customer.headers,
            json={"notification_url": url, **actions},
        )
        assert response.status_code == 200, response.text
        with self.engine.begin() as connection:
            # The receiver verifies with its own secret; give the account that one.
            connection.execute(
                text("UPDATE notification_settings SET signing_secret = :s"),
                {"s": self.receiver.secret},
            )

    def activate_domain(self) -> None:
        """The customer's domain becomes active: a domain_create event."""
        put_domain(self.client, self.platform, "example.com", customer_code=self.customer.code)

    def quota_event(self, used: int = 90) -> None:
        """An active domain with one mailbox crossing a threshold."""
        self.activate_domain()
        batch = report("EA1", "example.com", space=(used, 100))
        response = post_usage(self.client, self.platform, batch)
        assert response.json()["resources"][0]["events"] == 1

    @property
    def requests(self) -> list[Received]:
        """What the receiver got."""
        return self.receiver.receiver.requests


@pytest.fixture
def scene(client: TestClient, engine: Engine, receiver: HTTPSServer, make_user: MakeUser) -> Scene:
    return Scene(client, engine, receiver, make_user)


def delivery_rows(engine: Engine, *, mailbox: bool = False) -> list[dict[str, Any]]:
    """The deliveries, oldest first; the mailbox's own warnings only with ``mailbox``.

    Every ``exceeded`` event also queues a warning to the mailbox itself (CONTRACT §3),
    which these tests, without SMTP, see retried.
    """
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT channel, status, attempts, due_ms, last_error FROM deliveries ORDER BY id")
        )
        return [
            dict(row) for row in rows.mappings() if mailbox or row["channel"] != "mailbox_email"
        ]


def attempt_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every attempt recorded, in order, with its delivery's destination."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.number, a.status_code, a.error, a.response_excerpt, a.duration_ms,"
                " a.started_at, d.destination FROM delivery_attempts a"
                " JOIN deliveries d ON d.id = a.delivery_id ORDER BY a.id"
            )
        )
        return [dict(row) for row in rows.mappings()]


async def test_delivers_a_signed_webhook_with_the_event_id(
    scene: Scene, worker: DeliveryWorker
) -> None:
    scene.subscribe("/ok", email_overquota_callback=True)
    scene.quota_event()
    assert await worker.run_once() == 2  # the webhook, and the mailbox's own warning
    [request] = scene.requests
    assert request.verified
    body = json.loads(request.body)
    assert request.headers["webhook-id"] == body["id"]
    assert request.headers["content-type"] == "application/json"
    assert body["action_type"] == "email_overquota"
    assert body["payload"]["crossed"] == 80
    assert [(r["status"], r["attempts"]) for r in delivery_rows(scene.engine)] == [("delivered", 1)]
    assert await worker.run_once() == 0  # nothing sent twice


async def test_failures_are_retried_on_schedule_then_marked_failed(
    scene: Scene, worker: DeliveryWorker, clock: FakeClock
) -> None:
    scene.subscribe("/fail", domain_create_callback=True)
    scene.activate_domain()
    for attempt, delay in enumerate([*DELAYS, None], start=1):
        assert await worker.run_once() == 1
        [row] = delivery_rows(scene.engine)
        assert row["attempts"] == attempt
        assert "500" in row["last_error"]
        if delay is None:
            assert row["status"] == "failed"
            break
        assert row["status"] == "pending"
        # /fail's Retry-After is ignored: only 429 and 503 carry one that counts.
        assert row["due_ms"] - clock.now == delay.total_seconds() * 1000
        clock.now = row["due_ms"] - 1
        assert await worker.run_once() == 0  # not due yet
        clock.now = row["due_ms"]
    assert len(scene.requests) == 1 + len(DELAYS)
    assert len({r.headers["webhook-id"] for r in scene.requests}) == 1


async def test_retry_after_on_429_is_honoured(
    scene: Scene, worker: DeliveryWorker, clock: FakeClock
) -> None:
    scene.subscribe("/busy", domain_create_callback=True)
    scene.activate_domain()
    await worker.run_once()
    [row] = delivery_rows(scene.engine)
    assert row["status"] == "pending"
    assert row["due_ms"] - clock.now == 120_000  # Retry-After: 120 beats the 5 s step


async def test_a_redirect_is_a_failure(scene: Scene, worker: DeliveryWorker) -> None:
    scene.subscribe("/redirect", email_overquota_callback=True)
    scene.quota_event()
    await worker.run_once()
    assert [r.path for r in scene.requests] == ["/redirect"]
    assert delivery_rows(scene.engine)[0]["status"] == "pending"


async def test_the_setting_is_read_at_send_time(scene: Scene, worker: DeliveryWorker) -> None:
    scene.subscribe("/ok", email_overquota_callback=True)
    scene.quota_event()
    scene.client.put(
        "/api/users/me/notifications",
        headers=scene.customer.headers,
        json={"email_overquota_callback": False},
    )
    assert await worker.run_once() == 2
    assert scene.requests == []
    assert delivery_rows(scene.engine)[0]["status"] == "skipped"


async def test_a_private_address_is_refused_without_the_allow_list(
    scene: Scene, settings: Settings, receiver: HTTPSServer, clock: FakeClock
) -> None:
    # Saved while an allow-list admitted it; the worker now runs without one.
    scene.subscribe("/ok", email_overquota_callback=True)
    scene.quota_event()
    strict = build_worker(
        settings.model_copy(update={"webhook_ca_bundle": receiver.ca_bundle}),
        scene.engine,
        clock=clock,
        rng=Midpoint(),
    )
    assert await strict.run_once() == 2
    assert scene.requests == []
    [row] = delivery_rows(scene.engine)
    assert row["status"] == "failed"
    assert "not allowed" in row["last_error"]


def _text_and_html(envelope: Any) -> tuple[Message, str, str]:
    message = message_from_bytes(envelope.original_content)
    parts: dict[str, str] = {}
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts[part.get_content_type()] = payload.decode()
    return message, parts["text/plain"], parts["text/html"]


async def test_quota_emails_go_to_the_account_and_warnings_to_the_mailbox(
    settings: Settings,
    engine: Engine,
    smtp_server: SMTPServerHandle,
    receiver: HTTPSServer,
    make_user: MakeUser,
    clock: FakeClock,
) -> None:
    mailing = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp_server.port}"})
    with TestClient(create_app(mailing, engine=engine)) as client:
        scene = Scene(client, engine, receiver, make_user)
        client.put(
            "/api/users/me/notifications",
            headers=scene.customer.headers,
            json={"notification_email": "ops@example.com", "email_overquota_email": True},
        )
        scene.quota_event(used=97)
    worker = build_worker(mailing, engine, clock=clock, rng=Midpoint())
    assert await worker.run_once() == 2
    by_recipient = {tuple(e.rcpt_tos): e for e in smtp_server.mailroom.messages}
    account, text_part, html_part = _text_and_html(by_recipient[("ops@example.com",)])
    assert "ea1@example.com" in account["Subject"]
    assert "storage space" in account["Subject"]
    assert "critical" in account["Subject"]
    assert "97%" in text_part
    assert "<html" in html_part
    mailbox, _, _ = _text_and_html(by_recipient[("ea1@example.com",)])
    assert "critical" in mailbox["Subject"]
    assert {r["status"] for r in delivery_rows(engine, mailbox=True)} == {"delivered"}


async def test_without_smtp_emails_are_skipped_not_retried(
    scene: Scene, worker: DeliveryWorker
) -> None:
    scene.client.put(
        "/api/users/me/notifications",
        headers=scene.customer.headers,
        json={"notification_email": "ops@example.com", "email_overquota_email": True},
    )
    scene.quota_event()
    assert await worker.run_once() == 2
    rows = delivery_rows(scene.engine, mailbox=True)
    assert [r["channel"] for r in rows] == ["email", "mailbox_email"]
    assert {(r["status"], r["attempts"], r["last_error"]) for r in rows} == {
        ("skipped", 0, "no SMTP server configured")
    }
    assert attempt_rows(scene.engine) == []


def test_signing_secret_is_created_on_first_use_and_stable(
    client: TestClient, engine: Engine, make_user: MakeUser
) -> None:
    customer = make_user("customer")
    first = client.get("/api/users/me/notifications/signing-secret", headers=customer.headers)
    assert first.status_code == 200
    secret = first.json()["resources"][0]["secret"]
    assert secret.startswith("whsec_")
    again = client.get("/api/users/me/notifications/signing-secret", headers=customer.headers)
    assert again.json()["resources"][0]["secret"] == secret
    mailbox = make_user("mailbox")
    assert (
        client.get(
            "/api/users/me/notifications/signing-secret", headers=mailbox.headers
        ).status_code
        == 403
    )
    with writing(engine) as session:
        user = accounts.user_by_code(session=session, code=customer.code)
        assert user.id is not None
        assert accounts.signing_secret(session=session, user_id=user.id) == secret


async def test_one_broken_job_does_not_stop_its_batch(
    scene: Scene, worker: DeliveryWorker, make_user: MakeUser
) -> None:
    scene.subscribe("/ok", email_overquota_callback=True)
    scene.quota_event()
    broken = make_user("customer")
    scene.client.put(
        "/api/users/me/notifications",
        headers=broken.headers,
        json={
            "notification_url": f"https://127.0.0.1:{scene.receiver.port}/ok",
            "email_overquota_callback": True,
        },
    )
    with scene.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE notification_settings SET signing_secret = 'whsec_!!!!' WHERE user_id = "
                "(SELECT id FROM users WHERE code = :c)"
            ),
            {"c": broken.code},
        )
    put_domain(scene.client, scene.platform, "broken.example", customer_code=broken.code)
    post_usage(scene.client, scene.platform, report("EB1", "broken.example", space=(90, 100)))
    assert await worker.run_once() == 4
    rows = delivery_rows(scene.engine)
    assert [(r["status"], r["attempts"]) for r in rows] == [("delivered", 1), ("pending", 1)]
    assert rows[1]["last_error"] == "unexpected InvalidSecret"
    assert len(scene.requests) == 1


async def test_a_send_that_outlasts_the_lease_is_recorded_as_a_retry_in_time(
    scene: Scene, local_settings: Settings, clock: FakeClock
) -> None:
    scene.subscribe("/slow", email_overquota_callback=True)
    scene.quota_event()
    short = build_worker(local_settings, scene.engine, clock=clock, rng=Midpoint(), lease_ms=1000)
    assert await short.run_once() == 2
    [row] = delivery_rows(scene.engine)
    assert row["status"] == "pending"
    assert row["last_error"] == "no outcome before the lease ran out"


def _second_tenant(scene: Scene, make_user: MakeUser, path: str, domain: str) -> None:
    """Another customer with a webhook at ``path`` and a quota event of its own."""
    other = make_user("customer")
    response = scene.client.put(
        "/api/users/me/notifications",
        headers=other.headers,
        json={
            "notification_url": f"https://127.0.0.1:{scene.receiver.port}{path}",
            "email_overquota_callback": True,
        },
    )
    assert response.status_code == 200, response.text
    with scene.engine.begin() as connection:
        connection.execute(
            text("UPDATE notification_settings SET signing_secret = :s"),
            {"s": scene.receiver.secret},
        )
    put_domain(scene.client, scene.platform, domain, customer_code=other.code)
    post_usage(scene.client, scene.platform, report("EO1", domain, space=(90, 100)))


@pytest.mark.parametrize("retry_after", ["100000000000000", "9" * 400])
async def test_defect_1_one_receivers_retry_after_does_not_resend_everyones_batch(
    scene: Scene, worker: DeliveryWorker, make_user: MakeUser, clock: FakeClock, retry_after: str
) -> None:
    scene.subscribe("/ok", email_overquota_callback=True)
    scene.quota_event()
    _second_tenant(scene, make_user, f"/busy-for/{retry_after}", "other.example")
    assert await worker.run_once() == 4
    rows = delivery_rows(scene.engine)
    assert [(r["status"], r["attempts"]) for r in rows] == [("delivered", 1), ("pending", 1)]
    assert rows[1]["last_error"] == "HTTP 429"
    # Capped at the schedule's longest step, not parked for ages nor retried at once.
    assert rows[1]["due_ms"] - clock.now == max(DELAYS).total_seconds() * 1000
    assert await worker.run_once() == 0


async def test_defect_7_a_disabled_user_is_not_notified(
    scene: Scene, worker: DeliveryWorker
) -> None:
    scene.subscribe("/ok", email_overquota_callback=True)
    scene.client.put(
        "/api/users/me/notifications",
        headers=scene.customer.headers,
        json={"notification_email": "ops@example.com", "email_overquota_email": True},
    )
    scene.quota_event()
    with writing(scene.engine) as session:
        accounts.set_disabled(session=session, code=scene.customer.code, disabled=True)
    assert await worker.run_once() == 3
    assert scene.requests == []
    rows = delivery_rows(scene.engine)
    assert [(r["channel"], r["status"], r["last_error"]) for r in rows] == [
        ("webhook", "skipped", "the user is disabled"),
        ("email", "skipped", "the user is disabled"),
    ]


async def test_every_attempt_is_recorded_with_what_a_consumer_can_act_on(
    scene: Scene, worker: DeliveryWorker, clock: FakeClock
) -> None:
    scene.subscribe("/fail", domain_create_callback=True)
    scene.activate_domain()
    assert await worker.run_once() == 1
    clock.now = delivery_rows(scene.engine)[0]["due_ms"]
    assert await worker.run_once() == 1
    url = f"https://127.0.0.1:{scene.receiver.port}/fail"
    attempts = attempt_rows(scene.engine)
    assert [
        (a["number"], a["status_code"], a["error"], a["response_excerpt"], a["destination"])
        for a in attempts
    ] == [(1, 500, "HTTP 500", "answer", url), (2, 500, "HTTP 500", "answer", url)]
    assert all(0 <= a["duration_ms"] < 10_000 and a["started_at"] is not None for a in attempts)


@pytest.mark.parametrize(
    ("path", "phrase"), [("/redirect", "redirect not followed"), ("/ok", None)]
)
async def test_an_attempts_error_is_a_phrase(
    scene: Scene, worker: DeliveryWorker, path: str, phrase: str | None
) -> None:
    scene.subscribe(path, domain_create_callback=True)
    scene.activate_domain()
    await worker.run_once()
    [attempt] = attempt_rows(scene.engine)
    assert attempt["error"] == phrase


async def test_a_closed_port_is_connection_refused(scene: Scene, worker: DeliveryWorker) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    scene.subscribe("/ok", domain_create_callback=True)
    with scene.engine.begin() as connection:
        connection.execute(
            text("UPDATE notification_settings SET notification_url = :u"),
            {"u": f"https://127.0.0.1:{closed}/ok"},
        )
    scene.activate_domain()
    await worker.run_once()
    [attempt] = attempt_rows(scene.engine)
    assert (attempt["status_code"], attempt["error"]) == (None, "connection refused")


async def test_a_private_address_is_named_in_the_attempt(
    scene: Scene, settings: Settings, receiver: HTTPSServer, clock: FakeClock
) -> None:
    scene.subscribe("/ok", domain_create_callback=True)
    scene.activate_domain()
    strict = build_worker(
        settings.model_copy(update={"webhook_ca_bundle": receiver.ca_bundle}),
        scene.engine,
        clock=clock,
        rng=Midpoint(),
    )
    await strict.run_once()
    [attempt] = attempt_rows(scene.engine)
    assert attempt["error"] == "address 127.0.0.1 is not public"


async def test_the_operators_retry_schedule_is_followed(
    scene: Scene, local_settings: Settings, clock: FakeClock
) -> None:
    quick = local_settings.model_copy(update={"retry_schedule": "1s,1s"})
    worker = build_worker(quick, scene.engine, clock=clock, rng=Midpoint())
    scene.subscribe("/fail", domain_create_callback=True)
    scene.activate_domain()
    for attempt in (1, 2, 3):
        assert await worker.run_once() == 1
        [row] = delivery_rows(scene.engine)
        if attempt < 3:
            assert (row["status"], row["due_ms"] - clock.now) == ("pending", 1000)
            clock.now = row["due_ms"]
    assert (row["status"], row["attempts"]) == ("failed", 3)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


async def test_retention_deletes_old_records_in_batches_but_never_a_pending_delivery(
    scene: Scene, worker: DeliveryWorker, local_settings: Settings, clock: FakeClock
) -> None:
    scene.subscribe("/fail", email_overquota_callback=True)
    scene.quota_event()  # a webhook that will be retried, and a mailbox warning (no SMTP)
    assert await worker.run_once() == 2
    old = clock.now - 31 * 86_400_000
    with scene.engine.begin() as connection:
        connection.execute(text("UPDATE deliveries SET created_ms = :old"), {"old": old})
        connection.execute(
            text("UPDATE events SET created_at = :old"),
            {"old": datetime.fromtimestamp(old / 1000, UTC)},
        )
    assert _count(scene.engine, "delivery_attempts") == 1
    # The skipped mailbox warning goes; the pending webhook and so its event stay.
    assert await worker.prune() == 1
    assert [r["status"] for r in delivery_rows(scene.engine, mailbox=True)] == ["pending"]
    assert _count(scene.engine, "events") == 1
    assert _count(scene.engine, "delivery_attempts") == 1
    # Once it has failed for good, it goes too, with its attempts and its event.
    with scene.engine.begin() as connection:
        connection.execute(text("UPDATE deliveries SET status = 'failed'"))
    assert await worker.prune() >= 1
    assert (_count(scene.engine, "deliveries"), _count(scene.engine, "events")) == (0, 0)
    assert _count(scene.engine, "delivery_attempts") == 0
    # Younger than the retention: kept.
    scene.client.put("/api/users/me/notifications", headers=scene.customer.headers, json={})
    post_usage(scene.client, scene.platform, report("EA2", "example.com", space=(90, 100)))
    assert await worker.prune() == 0
    assert _count(scene.engine, "events") == 1


@pytest.mark.parametrize(("expires_in_ms", "verified"), [(3_600_000, True), (-1000, False)])
async def test_until_the_previous_secret_expires_webhooks_carry_both_signatures(
    scene: Scene, worker: DeliveryWorker, clock: FakeClock, expires_in_ms: int, verified: bool
) -> None:
    scene.subscribe("/ok", domain_create_callback=True)
    # Rotated: the receiver still holds the previous secret.
    with scene.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE notification_settings SET signing_secret = :new,"
                " previous_signing_secret = :old, previous_secret_expires_ms = :exp"
            ),
            {
                "new": generate_secret(),
                "old": scene.receiver.secret,
                "exp": clock.now + expires_in_ms,
            },
        )
    scene.activate_domain()
    await worker.run_once()
    [request] = scene.requests
    assert len(request.headers["webhook-signature"].split(" ")) == (2 if verified else 1)
    assert request.verified is verified


async def test_a_disabled_endpoint_gets_no_webhooks_they_are_skipped_with_the_reason(
    scene: Scene, worker: DeliveryWorker
) -> None:
    scene.subscribe("/ok", domain_create_callback=True)
    with scene.engine.begin() as connection:
        connection.execute(text("UPDATE notification_settings SET webhook_state = 'disabled'"))
    scene.activate_domain()
    assert await worker.run_once() == 1
    assert scene.requests == []
    [row] = delivery_rows(scene.engine)
    assert (row["status"], row["last_error"]) == ("skipped", "the endpoint is disabled")


class ColumnsHealth:
    """Endpoint health kept in the settings row's columns, as simply as the rule allows."""

    def all_succeeded(
        self, connection: Connection, *, user_ids: Sequence[int], now_ms: int
    ) -> None:
        connection.execute(
            text(
                "UPDATE notification_settings SET webhook_state = 'healthy',"
                " last_success_ms = :now WHERE user_id = :u"
            ),
            [{"now": now_ms, "u": user_id} for user_id in user_ids],
        )

    def failed_for_good(
        self, connection: Connection, *, user_id: int, now_ms: int, disable_after_ms: int
    ) -> bool:
        last = connection.execute(
            text("SELECT last_success_ms FROM notification_settings WHERE user_id = :u"),
            {"u": user_id},
        ).scalar()
        disable = now_ms - (last or 0) >= disable_after_ms
        state = "disabled" if disable else "failing"
        connection.execute(
            text("UPDATE notification_settings SET webhook_state = :s WHERE user_id = :u"),
            {"s": state, "u": user_id},
        )
        return disable


async def test_an_endpoint_whose_schedule_is_spent_is_disabled_where_the_failure_is_handled(
    scene: Scene, local_settings: Settings, clock: FakeClock
) -> None:
    quick = local_settings.model_copy(update={"retry_schedule": "1s,1s", "disable_after": "0s"})
    worker = build_worker(quick, scene.engine, clock=clock, rng=Midpoint(), health=ColumnsHealth())
    scene.subscribe("/fail", domain_create_callback=True)
    scene.activate_domain()
    for _ in range(3):
        assert await worker.run_once() == 1
        clock.now = delivery_rows(scene.engine)[0]["due_ms"]
    with scene.engine.connect() as connection:
        state = connection.execute(
            text(
                "SELECT webhook_state FROM notification_settings WHERE notification_url IS NOT NULL"
            )
        )
        assert state.scalar_one() == "disabled"
    put_domain(scene.client, scene.platform, "second.example", customer_code=scene.customer.code)
    assert await worker.run_once() == 1
    assert [(r["status"], r["last_error"]) for r in delivery_rows(scene.engine)][-1] == (
        "skipped",
        "the endpoint is disabled",
    )
    assert len(scene.requests) == 3


async def test_a_job_beyond_its_destinations_share_waits_for_a_slot_of_it(
    scene: Scene, local_settings: Settings, clock: FakeClock
) -> None:
    scene.subscribe("/ok", domain_create_callback=True)
    for name in ("a.example", "b.example", "c.example"):
        put_domain(scene.client, scene.platform, name, customer_code=scene.customer.code)
    worker = build_worker(local_settings, scene.engine, clock=clock, per_destination=1)
    assert await worker.run_once() == 3
    rows = delivery_rows(scene.engine)
    # One sent at a time; the second waited for it; the third, beyond a share's worth of
    # waiting, went back unsent (no attempt counted), due again shortly.
    assert [(r["status"], r["attempts"]) for r in rows] == [
        ("delivered", 1),
        ("delivered", 1),
        ("pending", 0),
    ]
    assert 0 < rows[2]["due_ms"] - clock.now <= 2000
    assert len(scene.requests) == 2
