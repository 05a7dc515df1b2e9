"""The notice that an endpoint was disabled: queued in the outbox where it is disabled.

It is an event of its own type with one delivery on the email channel, written in the
transaction that disables the endpoint, so that the worker sends it like any email, once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection, insert

from mailnotify import events
from mailnotify.models import Channel, Delivery, DeliveryStatus, Event, new_delivery_id, table_of
from mailnotify.outbox.wake import notify_in
from mailnotify.subscriptions.actions import ENDPOINT_DISABLED


def queue_notice(connection: Connection, *, user_id: int, url: str, now_ms: int) -> str:
    """Queue the email telling ``user_id`` that ``url`` was disabled; its event id."""
    event_id = events.new_event_id()
    created = datetime.fromtimestamp(now_ms / 1000, UTC)
    body = orjson.dumps(
        {
            "id": event_id,
            "created_at": events.rfc3339(created),
            "action_type": ENDPOINT_DISABLED,
            "notification_url": url,
            "disabled_at": events.rfc3339(created),
        }
    )
    connection.execute(
        insert(table_of(Event)).values(
            id=event_id,
            action_type=ENDPOINT_DISABLED,
            domain_name="",
            created_at=created,
            body=body.decode(),
        )
    )
    connection.execute(
        insert(table_of(Delivery)).values(
            public_id=new_delivery_id(),
            event_id=event_id,
            user_id=user_id,
            channel=Channel.email.value,
            status=DeliveryStatus.pending.value,
            attempts=0,
            due_ms=now_ms,
            created_ms=now_ms,
        )
    )
    notify_in(connection)
    return event_id
