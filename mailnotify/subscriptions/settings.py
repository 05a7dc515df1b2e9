"""An account's notification settings: read, and changed under a row lock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlmodel import Session, col

from mailnotify.db import connection_of
from mailnotify.errors import FieldError
from mailnotify.models import NotificationSettings, utcnow
from mailnotify.notification_settings import FIELDS, SettingsValues, merge, valid_changes
from mailnotify.subscriptions.record import HEALTH_COLUMNS, Subscription, find_one, load_one


# Built once, being on the request path: on SQLite, building a statement from the models
# costs more than running it; a reused statement also keeps its cache key.
@cache
def _settings_query() -> Any:
    columns = [getattr(NotificationSettings, name) for name in FIELDS]
    return select(*columns).where(col(NotificationSettings.user_id) == bindparam("user_id"))


@cache
def _subscription_update() -> Any:
    # Every field is written: the row was read under the write lock, so the values hold
    # the latest committed ones plus this request's changes.
    return (
        update(NotificationSettings)
        .where(col(NotificationSettings.user_id) == bindparam("key"))
        .values({name: bindparam(name) for name in (*FIELDS, *HEALTH_COLUMNS, "updated_at")})
    )


def get_settings(*, session: Session | Connection, user_id: int) -> SettingsValues:
    """A user's notification settings."""
    query = _settings_query()
    row = connection_of(session).execute(query, {"user_id": user_id}).first()
    return SettingsValues() if row is None else SettingsValues(*row)


def update_settings(
    *,
    session: Session | Connection,
    user_id: int,
    changes: Mapping[str, object],
    invalid: Sequence[FieldError] = (),
) -> SettingsValues:
    """Apply a partial update under a row lock; raise a 422 ApiError if a rule breaks.

    With ``invalid`` (failures found before), nothing is saved: the 422 lists them with
    the rule failures of the valid part of ``changes``.
    """
    found = update_subscription(
        connection=connection_of(session), user_id=user_id, changes=changes, invalid=invalid
    )
    return found.values


def update_subscription(
    *,
    connection: Connection,
    user_id: int,
    changes: Mapping[str, object],
    invalid: Sequence[FieldError] = (),
    healthy_again: bool = False,
) -> Subscription:
    """``update_settings``, the endpoint made healthy again if ``healthy_again``, and the
    subscription after both: one read and at most one write."""
    current = find_one(connection, user_id, for_update=True)
    if current is None:
        after = merge(SettingsValues(), valid_changes(changes, invalid), invalid=invalid)
        connection.execute(
            insert(NotificationSettings).values(
                user_id=user_id, updated_at=utcnow(), **after.as_dict()
            )
        )
        return load_one(connection, user_id)  # a new row is healthy, with a new secret
    values = merge(current.values, valid_changes(changes, invalid), invalid=invalid)
    health = current.health.healthy_again() if healthy_again else current.health
    if values != current.values or health != current.health:
        connection.execute(
            _subscription_update(),
            {"key": user_id, "updated_at": utcnow(), **values.as_dict(), **health.columns()},
        )
    return replace(current, values=values, health=health)
