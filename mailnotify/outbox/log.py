"""The delivery log as a consumer reads it: a user's deliveries, newest first, and attempts.

Only deliveries with a user are a consumer's: the mailbox warnings of the ``mailbox_email``
channel are written without one, so ``user_id = ?`` alone leaves them out and the
listing walks the ``(user_id, id)`` index.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    bindparam,
    func,
    select,
    update,
)

from mailnotify.events import ms_rfc3339
from mailnotify.models import Delivery, DeliveryAttempt, DeliveryStatus, Event, table_of

# total_records stops at this many: a listing costs the same however long a user's log is.
COUNT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    """The listing's filters; None means any."""

    status: str | None = None
    action_type: str | None = None
    channel: str | None = None
    event_id: str | None = None
    since_ms: int | None = None
    until_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing and the pagination object of CONTRACT §1."""

    resources: list[dict[str, object]]
    page: int
    per: int
    total_records: int

    def body(self) -> dict[str, object]:
        """The response body."""
        return {
            "resources": self.resources,
            "pagination": {
                "per": self.per,
                "page": self.page,
                "total_pages": math.ceil(self.total_records / self.per),
                "total_records": self.total_records,
            },
        }


_ATTEMPT_COLUMNS = (
    "number",
    "started_at",
    "duration_ms",
    "status_code",
    "error",
    "response_excerpt",
)


def _conditions(user_id: int, where: DeliveryFilter) -> list[ColumnElement[bool]]:
    deliveries, events = table_of(Delivery), table_of(Event)
    conditions: list[ColumnElement[bool]] = [deliveries.c.user_id == user_id]
    if where.status is not None:
        conditions.append(deliveries.c.status == where.status)
    if where.channel is not None:
        conditions.append(deliveries.c.channel == where.channel)
    if where.event_id is not None:
        conditions.append(deliveries.c.event_id == where.event_id)
    if where.since_ms is not None:
        conditions.append(deliveries.c.created_ms >= where.since_ms)
    if where.until_ms is not None:
        conditions.append(deliveries.c.created_ms < where.until_ms)
    if where.action_type is not None:
        conditions.append(events.c.action_type == where.action_type)
    return conditions


def _from(query: Select[Any], where: DeliveryFilter) -> Select[Any]:
    deliveries, events = table_of(Delivery), table_of(Event)
    if where.action_type is None:
        return query.select_from(deliveries)
    return query.select_from(deliveries.join(events, events.c.id == deliveries.c.event_id))


def _delivery_query() -> Select[Any]:
    deliveries, events = table_of(Delivery), table_of(Event)
    return select(
        deliveries.c.id,
        deliveries.c.public_id,
        deliveries.c.event_id,
        events.c.action_type,
        deliveries.c.channel,
        deliveries.c.destination,
        deliveries.c.status,
        deliveries.c.attempts,
        deliveries.c.created_ms,
        deliveries.c.due_ms,
        deliveries.c.delivered_ms,
    ).join(events, events.c.id == deliveries.c.event_id)


def _attempt(row: RowMapping) -> dict[str, object]:
    attempt: dict[str, object] = {name: row[name] for name in _ATTEMPT_COLUMNS}
    attempt["started_at"] = ms_rfc3339(_ms(row["started_at"]))
    return attempt


def _ms(moment: datetime) -> int:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones.
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return int(aware.timestamp() * 1000)


_PENDING = DeliveryStatus.pending.value


def _resource(row: RowMapping, last: dict[str, object] | None) -> dict[str, object]:
    pending = row["status"] == _PENDING
    return {
        "id": row["public_id"],
        "event_id": row["event_id"],
        "action_type": row["action_type"],
        "channel": row["channel"],
        "destination": row["destination"],
        "status": row["status"],
        "attempt_count": row["attempts"],
        "created_at": ms_rfc3339(row["created_ms"]),
        "next_attempt_at": ms_rfc3339(row["due_ms"]) if pending else None,
        "delivered_at": ms_rfc3339(row["delivered_ms"]),
        "last_attempt": last,
    }


@functools.cache
def _last_attempts_query() -> Select[Any]:
    # Built once: each listing runs it, and building costs more than running it.
    attempts = table_of(DeliveryAttempt)
    newest = attempts.alias("newest")
    latest = (
        select(func.max(newest.c.number))
        .where(newest.c.delivery_id == attempts.c.delivery_id)
        .scalar_subquery()
    )
    return select(attempts).where(
        attempts.c.delivery_id.in_(bindparam("ids", expanding=True)),
        attempts.c.number == latest,
    )


def _last_attempts(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, object]]:
    if not ids:
        return {}
    rows = connection.execute(_last_attempts_query(), {"ids": list(ids)}).mappings()
    return {row["delivery_id"]: _attempt(row) for row in rows}


def list_deliveries(
    connection: Connection, *, user_id: int, where: DeliveryFilter, page: int, per: int
) -> Page:
    """One page of a user's deliveries, newest first, and how many match in all."""
    deliveries = table_of(Delivery)
    conditions = _conditions(user_id, where)
    # The page's ids first, from the (user_id, id) index alone when nothing else filters,
    # then their rows: the rows skipped before the page are never read.
    ids = (
        _from(select(deliveries.c.id), where)
        .where(*conditions)
        .order_by(deliveries.c.id.desc())
        .limit(per)
        .offset((page - 1) * per)
    )
    rows = (
        connection.execute(
            _delivery_query()
            .where(deliveries.c.id.in_(ids.scalar_subquery()))
            .order_by(deliveries.c.id.desc())
        )
        .mappings()
        .all()
    )
    # Counted up to COUNT_LIMIT: beyond it a count would cost what the page does not.
    matching = (
        _from(select(deliveries.c.id), where).where(*conditions).limit(COUNT_LIMIT).subquery()
    )
    total = connection.execute(select(func.count()).select_from(matching)).scalar_one()

    last = _last_attempts(connection, [row["id"] for row in rows])
    return Page([_resource(row, last.get(row["id"])) for row in rows], page, per, int(total))


def _find(connection: Connection, user_id: int, public_id: str) -> RowMapping | None:
    deliveries = table_of(Delivery)
    query = _delivery_query().where(
        deliveries.c.public_id == public_id, deliveries.c.user_id == user_id
    )
    return connection.execute(query).mappings().first()


def get_delivery(
    connection: Connection, *, user_id: int, public_id: str, with_attempts: bool = True
) -> dict[str, object] | None:
    """A user's delivery with every attempt, oldest first; None if it is not theirs."""
    row = _find(connection, user_id, public_id)
    if row is None:
        return None
    attempts = table_of(DeliveryAttempt)
    found = [
        _attempt(attempt)
        for attempt in connection.execute(
            select(attempts).where(attempts.c.delivery_id == row["id"]).order_by(attempts.c.number)
        ).mappings()
    ]
    resource = _resource(row, found[-1] if found else None)
    if with_attempts:
        resource["attempts"] = found
    return resource


def redeliver(
    connection: Connection, *, user_id: int, public_id: str, now_ms: int
) -> dict[str, object] | None:
    """Queue a user's delivery to be sent again now, whatever its status; None if not theirs.

    The worker reads the destination saved at send time and signs afresh; the attempt
    count goes on from where it stood. Marked ``forced``: it was asked for, so it is sent
    even if its switch is off or the endpoint disabled now.
    """
    deliveries = table_of(Delivery)
    row = _find(connection, user_id, public_id)
    if row is None:
        return None
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == row["id"])
        .values(status=DeliveryStatus.pending.value, due_ms=now_ms, delivered_ms=None, forced=True)
    )
    return get_delivery(connection, user_id=user_id, public_id=public_id, with_attempts=False)
