"""Test pings (CONTRACT §7): one attempt at once to a saved destination, with its outcome.

A ping is an event of type ``ping`` with one delivery, so that it appears in the delivery
log. It is sent here, on the request, and never retried: its delivery is leased while the
attempt runs, so no worker claims it meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection, insert, select, update

from mailnotify import events
from mailnotify.clock import Clock
from mailnotify.db import Database
from mailnotify.delivery.email import compose_test_email
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.errors import ApiError, FieldError, validation_failed
from mailnotify.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    new_delivery_id,
    table_of,
)
from mailnotify.outbox import log
from mailnotify.outbox.dispatch import Senders
from mailnotify.subscriptions import health, record
from mailnotify.subscriptions.actions import DESTINATIONS, PING
from mailnotify.subscriptions.secrets import SigningSecrets

LIMIT = 5
WINDOW_MS = 60_000
# A ping's delivery stays leased this long, more than any attempt can take.
LEASE_MS = 60_000
# How many of a user's newest deliveries the rate limit looks through: pings hide among
# at most this many, so that the check costs the same whatever the user's history.
_RECENT = 200
NO_SMTP = "no SMTP server is configured"


@dataclass(frozen=True, slots=True)
class _Started:
    delivery_id: int
    public_id: str
    event_id: str
    body: bytes
    destination: str
    secrets: SigningSecrets | None
    now_ms: int


def _recent_pings(connection: Connection, user_id: int, now_ms: int) -> list[int]:
    deliveries, evts = table_of(Delivery), table_of(Event)
    recent = (
        select(deliveries.c.event_id, deliveries.c.created_ms)
        .where(deliveries.c.user_id == user_id)
        .order_by(deliveries.c.id.desc())
        .limit(_RECENT)
        .subquery()
    )
    query = (
        select(recent.c.created_ms)
        .join(evts, evts.c.id == recent.c.event_id)
        .where(evts.c.action_type == PING, recent.c.created_ms > now_ms - WINDOW_MS)
        .order_by(recent.c.created_ms)
    )
    return [int(ms) for ms in connection.execute(query).scalars()]


def _too_many(oldest_ms: int, now_ms: int) -> ApiError:
    wait = max(1, -(-(oldest_ms + WINDOW_MS - now_ms) // 1000))
    return ApiError(429, headers={"Retry-After": str(wait)})


def _start(connection: Connection, user_id: int, channel: Channel, now_ms: int) -> _Started:
    subscription = record.load_one(connection, user_id)
    field = DESTINATIONS[channel]
    destination = subscription.destination(channel)
    if destination is None:
        raise validation_failed([FieldError(field, "is required to send a test")])
    pings = _recent_pings(connection, user_id, now_ms)
    if len(pings) >= LIMIT:
        raise _too_many(pings[-LIMIT], now_ms)
    event_id = events.new_event_id()
    created = datetime.fromtimestamp(now_ms / 1000, UTC)
    body = orjson.dumps(
        {"id": event_id, "created_at": events.rfc3339(created), "action_type": PING}
    )
    connection.execute(
        insert(table_of(Event)).values(
            id=event_id, action_type=PING, domain_name="", created_at=created, body=body.decode()
        )
    )
    public_id = new_delivery_id()
    delivery_id = connection.execute(
        insert(table_of(Delivery))
        .values(
            public_id=public_id,
            event_id=event_id,
            user_id=user_id,
            channel=channel.value,
            destination=destination,
            status=DeliveryStatus.pending.value,
            attempts=1,
            due_ms=now_ms,
            lease_until_ms=now_ms + LEASE_MS,
            created_ms=now_ms,
        )
        .returning(table_of(Delivery).c.id)
    ).scalar_one()
    return _Started(
        delivery_id, public_id, event_id, body, destination, subscription.secrets, now_ms
    )


async def _attempt(started: _Started, channel: Channel, senders: Senders) -> Outcome:
    if channel is Channel.webhook:
        if started.secrets is None:
            return Outcome(OutcomeKind.FAILED, "no signing secret")
        # Signed like every webhook: by both secrets during a rotation's overlap.
        return await senders.webhooks.send(
            started.destination,
            secret=started.secrets.valid(started.now_ms),
            event_id=started.event_id,
            body=started.body,
        )
    if senders.emails is None:
        return Outcome(OutcomeKind.FAILED, NO_SMTP)
    message = compose_test_email(
        sender=senders.sender_address,
        recipient=started.destination,
        message_id=f"ping-{started.public_id}",
    )
    return await senders.emails.send(message)


def _finish(
    connection: Connection,
    *,
    user_id: int,
    channel: Channel,
    started: _Started,
    outcome: Outcome,
    started_at: datetime,
    duration_ms: int,
    now_ms: int,
) -> None:
    delivered = outcome.kind is OutcomeKind.DELIVERED
    skipped = not delivered and outcome.detail == NO_SMTP
    connection.execute(
        insert(table_of(DeliveryAttempt)).values(
            delivery_id=started.delivery_id,
            number=1,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=outcome.status,
            error=None if delivered else outcome.detail[:200],
        )
    )
    status = (
        DeliveryStatus.delivered
        if delivered
        else DeliveryStatus.skipped
        if skipped
        else DeliveryStatus.failed
    )
    deliveries = table_of(Delivery)
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == started.delivery_id)
        .values(
            status=status.value,
            lease_until_ms=None,
            delivered_ms=now_ms if delivered else None,
            last_error=None if delivered else outcome.detail[:500],
        )
    )
    if delivered and channel is Channel.webhook:
        health.succeeded(connection, user_id=user_id, now_ms=now_ms)


async def send_test(
    *,
    database: Database,
    senders: Senders,
    user_id: int,
    channel: Channel,
    clock: Clock,
) -> dict[str, object]:
    """Send a ping over ``channel`` now; the delivery with its one attempt.

    Raises a 422 ApiError without a destination, a 429 past the rate limit.
    """
    started = await database.change(
        lambda connection: _start(connection, user_id, channel, clock())
    )
    started_at = datetime.now(UTC)
    began = time.monotonic()
    outcome = await _attempt(started, channel, senders)
    duration_ms = int((time.monotonic() - began) * 1000)

    def finish(connection: Connection) -> dict[str, object]:
        _finish(
            connection,
            user_id=user_id,
            channel=channel,
            started=started,
            outcome=outcome,
            started_at=started_at,
            duration_ms=duration_ms,
            now_ms=clock(),
        )
        found = log.get_delivery(connection, user_id=user_id, public_id=started.public_id)
        assert found is not None
        return found

    return await database.change(finish)
