"""The outbox writer: events and their deliveries, written in the transaction that raised them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from mailnotify.bulk import bind, insert_many
from mailnotify.db import connection_of
from mailnotify.models import Channel, Delivery, Event, new_delivery_id, table_of
from mailnotify.outbox.wake import notify_in

_EVENT_COLUMNS = ("id", "action_type", "domain_name", "created_at", "body")
_DELIVERY_COLUMNS = (
    "public_id",
    "event_id",
    "user_id",
    "channel",
    "recipient",
    "status",
    "attempts",
    "due_ms",
    "created_ms",
)


class Outbox:
    """Collects events and their deliveries for one transaction."""

    def __init__(self, *, now: datetime, now_ms: int) -> None:
        self.now = now
        self.now_ms = now_ms
        self.events: list[tuple[str, str, str, str]] = []
        self.deliveries: list[tuple[Any, ...]] = []

    def add(
        self,
        *,
        action_type: str,
        domain_name: str,
        event_id: str,
        body: bytes,
        recipients: Iterable[tuple[int | None, Channel, str | None]],
    ) -> None:
        """An event and one delivery per (user, channel, address) recipient."""
        self.events.append((event_id, action_type, domain_name, body.decode()))
        for user_id, channel, address in recipients:
            self.deliveries.append(
                (
                    new_delivery_id(),
                    event_id,
                    user_id,
                    channel.value,
                    address,
                    "pending",
                    0,
                    self.now_ms,
                    self.now_ms,
                )
            )

    def write(self, db: Session | Connection) -> None:
        """Insert what was collected (deliveries wait: nothing leased, no error yet)."""
        connection = connection_of(db)
        if self.events:
            created = bind(connection, Event, "created_at")(self.now)
            rows = [(i, a, d, created, b) for i, a, d, b in self.events]
            insert_many(connection, table_of(Event).name, _EVENT_COLUMNS, rows)
        if self.deliveries:
            insert_many(connection, table_of(Delivery).name, _DELIVERY_COLUMNS, self.deliveries)
            notify_in(connection)
