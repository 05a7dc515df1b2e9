"""Test pings, sent for real to the HTTPS receiver and to aiosmtpd."""

from __future__ import annotations

import ipaddress
import json
import time

import pytest
from sqlalchemy import Engine, select, update

from mailnotify.addresses import AddressPolicy
from mailnotify.db import Database, changing, looking_up
from mailnotify.delivery.smtp import EmailSender, SmtpTarget
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.errors import ApiError
from mailnotify.models import Channel, Delivery, NotificationSettings, table_of
from mailnotify.outbox.dispatch import Senders
from mailnotify.subscriptions import health, ping, record
from mailnotify.subscriptions.record import EndpointState
from tests.mailnotify.subscriptions.helpers import new_user
from tests.receivers import HTTPSServer, MapResolver, SMTPServerHandle

LOOPBACK = AddressPolicy.from_networks([ipaddress.ip_network("127.0.0.0/8")])


def _senders(server: HTTPSServer, smtp_port: int | None = None) -> Senders:
    webhooks = WebhookSender(
        LOOPBACK,
        ca_bundle=server.ca_bundle,
        timeout=5.0,
        resolver=MapResolver({"hooks.test": [ipaddress.ip_address("127.0.0.1")]}),
    )
    emails = (
        None
        if smtp_port is None
        else EmailSender(SmtpTarget("127.0.0.1", smtp_port), timeout=5, helo_name="t")
    )
    return Senders(webhooks, emails, "mailnotify@example.com")


def _configure(engine: Engine, user: int, **values: object) -> None:
    table = table_of(NotificationSettings)
    with changing(engine) as connection:
        connection.execute(update(table).where(table.c.user_id == user).values(**values))


async def _ping(
    engine: Engine, senders: Senders, user: int, channel: Channel = Channel.webhook
) -> dict[str, object]:
    return await ping.send_test(
        database=Database(engine, writers=1, readers=1, timeout=30),
        senders=senders,
        user_id=user,
        channel=channel,
        clock=lambda: int(time.time() * 1000),
    )


async def test_a_webhook_ping_arrives_signed_with_every_action_off(
    engine: Engine, receiver: HTTPSServer
) -> None:
    user = new_user(engine)
    url = f"https://hooks.test:{receiver.port}/ok"
    _configure(engine, user, notification_url=url, signing_secret=receiver.secret)
    found = await _ping(engine, _senders(receiver), user)
    [received] = receiver.receiver.requests
    assert received.verified
    body = json.loads(received.body)
    assert body["action_type"] == "ping"
    assert set(body) == {"id", "created_at", "action_type"}
    assert received.headers["webhook-id"] == body["id"] == found["event_id"]
    assert found["status"] == "delivered"
    assert found["action_type"] == "ping"
    assert found["destination"] == url
    attempts = found["attempts"]
    assert isinstance(attempts, list)
    [attempt] = attempts
    assert attempt["number"] == 1
    assert attempt["status_code"] == 200
    assert attempt["error"] is None


async def test_a_failed_ping_is_recorded_and_changes_nothing_else(
    engine: Engine, receiver: HTTPSServer
) -> None:
    user = new_user(engine)
    url = f"https://hooks.test:{receiver.port}/fail"
    _configure(engine, user, notification_url=url, signing_secret=receiver.secret)
    with changing(engine) as connection:
        health.failed_for_good(connection, user_id=user, now_ms=1, disable_after_ms=0)
    found = await _ping(engine, _senders(receiver), user)
    assert found["status"] == "failed"
    last = found["last_attempt"]
    assert isinstance(last, dict)
    assert last["status_code"] == 500
    assert last["error"]
    with looking_up(engine) as connection:
        assert record.load_one(connection, user).health.state is EndpointState.disabled
        deliveries = table_of(Delivery)
        lease = connection.execute(select(deliveries.c.lease_until_ms)).scalar_one()
    assert lease is None


async def test_a_successful_ping_makes_a_disabled_endpoint_healthy(
    engine: Engine, receiver: HTTPSServer
) -> None:
    user = new_user(engine)
    url = f"https://hooks.test:{receiver.port}/accepted"
    _configure(engine, user, notification_url=url, signing_secret=receiver.secret)
    with changing(engine) as connection:
        health.failed_for_good(connection, user_id=user, now_ms=1, disable_after_ms=0)
    await _ping(engine, _senders(receiver), user)
    with looking_up(engine) as connection:
        found = record.load_one(connection, user).health
    assert found.state is EndpointState.healthy
    assert found.last_success_ms is not None


async def test_an_email_ping_reaches_the_saved_address(
    engine: Engine, receiver: HTTPSServer, smtp_server: SMTPServerHandle
) -> None:
    user = new_user(engine)
    _configure(engine, user, notification_email="ops@example.com")
    found = await _ping(engine, _senders(receiver, smtp_server.port), user, Channel.email)
    assert found["status"] == "delivered"
    [message] = smtp_server.mailroom.messages
    assert message.rcpt_tos == ["ops@example.com"]
    assert b"Test message" in (message.original_content or b"")


async def test_without_smtp_an_email_ping_is_skipped_with_the_reason(
    engine: Engine, receiver: HTTPSServer
) -> None:
    user = new_user(engine)
    _configure(engine, user, notification_email="ops@example.com")
    found = await _ping(engine, _senders(receiver), user, Channel.email)
    assert found["status"] == "skipped"
    last = found["last_attempt"]
    assert isinstance(last, dict)
    assert last["error"] == "no SMTP server is configured"


@pytest.mark.parametrize(
    ("channel", "field"),
    [(Channel.webhook, "notification_url"), (Channel.email, "notification_email")],
)
async def test_no_destination_is_a_422_on_it(
    engine: Engine, receiver: HTTPSServer, channel: Channel, field: str
) -> None:
    user = new_user(engine)
    with pytest.raises(ApiError) as raised:
        await _ping(engine, _senders(receiver), user, channel)
    assert raised.value.status == 422
    assert [e.field for e in raised.value.errors] == [field]


async def test_the_sixth_ping_within_a_minute_is_a_429_with_retry_after(
    engine: Engine, receiver: HTTPSServer
) -> None:
    user = new_user(engine)
    url = f"https://hooks.test:{receiver.port}/ok"
    _configure(engine, user, notification_url=url, signing_secret=receiver.secret)
    senders = _senders(receiver)
    for _ in range(ping.LIMIT):
        await _ping(engine, senders, user)
    with pytest.raises(ApiError) as raised:
        await _ping(engine, senders, user)
    assert raised.value.status == 429
    assert 1 <= int(raised.value.headers["Retry-After"]) <= 60
    assert len(receiver.receiver.requests) == ping.LIMIT
