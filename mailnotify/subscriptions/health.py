"""Endpoint health (CONTRACT §7): healthy, failing since a failure, disabled after too long.

The request path makes an endpoint healthy again (a PUT of ``notification_url``, in
``settings.update_subscription``; a successful test ping); the worker records successes
and failures here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select, update

from mailnotify.models import NotificationSettings, table_of
from mailnotify.subscriptions.disabled import queue_notice
from mailnotify.subscriptions.record import EndpointState


def succeeded(connection: Connection, *, user_id: int, now_ms: int) -> None:
    """A webhook reached the endpoint: healthy, with this as its last success."""
    all_succeeded(connection, user_ids=[user_id], now_ms=now_ms)


def all_succeeded(connection: Connection, *, user_ids: Sequence[int], now_ms: int) -> None:
    """Webhooks reached these accounts' endpoints: each as ``succeeded`` says, at once."""
    table = table_of(NotificationSettings)
    connection.execute(
        update(table)
        .where(table.c.user_id.in_(user_ids))
        .values(
            webhook_state=EndpointState.healthy.value,
            failing_since_ms=None,
            disabled_ms=None,
            last_success_ms=now_ms,
        )
    )


def failed_for_good(
    connection: Connection, *, user_id: int, now_ms: int, disable_after_ms: int
) -> bool:
    """A webhook's schedule is spent; True if this disabled the endpoint just now.

    The endpoint is disabled when it has had no success for ``disable_after_ms``
    (counted from its last success, or from its first failure if it never had one); until
    then it is failing.
    """
    table = table_of(NotificationSettings)
    row = connection.execute(
        select(
            table.c.webhook_state,
            table.c.failing_since_ms,
            table.c.last_success_ms,
            table.c.notification_url,
            table.c.notification_email,
        )
        .where(table.c.user_id == user_id)
        .with_for_update()
    ).first()
    if row is None or row.webhook_state == EndpointState.disabled.value:
        return False
    since = row.failing_since_ms if row.failing_since_ms is not None else now_ms
    quiet_since = row.last_success_ms if row.last_success_ms is not None else since
    disable = now_ms - quiet_since >= disable_after_ms
    connection.execute(
        update(table)
        .where(table.c.user_id == user_id)
        .values(
            webhook_state=(EndpointState.disabled if disable else EndpointState.failing).value,
            failing_since_ms=since,
            disabled_ms=now_ms if disable else None,
        )
    )
    if disable and row.notification_email is not None and row.notification_url is not None:
        queue_notice(connection, user_id=user_id, url=row.notification_url, now_ms=now_ms)
    return disable
