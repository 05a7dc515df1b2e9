"""One account's subscription as a typed record, read alike by requests and the worker."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, bindparam, select

from mailnotify.events import ms_rfc3339
from mailnotify.models import Channel, NotificationSettings, table_of
from mailnotify.notification_settings import FIELDS, SettingsValues
from mailnotify.subscriptions.actions import DESTINATIONS, switch_for
from mailnotify.subscriptions.secrets import SigningSecrets

_CHUNK = 500


class EndpointState(enum.StrEnum):
    """Where a webhook endpoint stands (CONTRACT §7)."""

    healthy = "healthy"
    failing = "failing"
    disabled = "disabled"


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """The health of an account's webhook endpoint."""

    state: EndpointState = EndpointState.healthy
    failing_since_ms: int | None = None
    disabled_ms: int | None = None
    last_success_ms: int | None = None

    def healthy_again(self) -> EndpointHealth:
        """Healthy, as if it had never failed; its last success stays."""
        return EndpointHealth(EndpointState.healthy, None, None, self.last_success_ms)

    def columns(self) -> dict[str, object]:
        """Its ``HEALTH_COLUMNS``, as a settings row holds them."""
        return {
            "webhook_state": self.state.value,
            "failing_since_ms": self.failing_since_ms,
            "disabled_ms": self.disabled_ms,
            "last_success_ms": self.last_success_ms,
        }

    def as_resource(self) -> dict[str, object]:
        """``webhook_status`` as the settings resource shows it."""
        return {
            "state": self.state.value,
            "failing_since": ms_rfc3339(self.failing_since_ms),
            "disabled_at": ms_rfc3339(self.disabled_ms),
            "last_success_at": ms_rfc3339(self.last_success_ms),
        }


HEALTH_COLUMNS = ("webhook_state", "failing_since_ms", "disabled_ms", "last_success_ms")
SECRET_COLUMNS = ("signing_secret", "previous_signing_secret", "previous_secret_expires_ms")


def health_of(row: RowMapping) -> EndpointHealth:
    """The health held in a settings row's ``HEALTH_COLUMNS``."""
    return EndpointHealth(
        EndpointState(row["webhook_state"]),
        row["failing_since_ms"],
        row["disabled_ms"],
        row["last_success_ms"],
    )


@dataclass(frozen=True, slots=True)
class Subscription:
    """An account's settings, signing secrets and endpoint health."""

    user_id: int
    values: SettingsValues
    secrets: SigningSecrets | None
    health: EndpointHealth

    def destination(self, channel: Channel) -> str | None:
        """The saved destination of ``channel``."""
        value = getattr(self.values, DESTINATIONS[channel])
        return None if value is None else str(value)

    def wants(self, action_type: str, channel: Channel) -> bool:
        """Whether the switch of ``action_type`` over ``channel`` is on, with a destination."""
        switch = switch_for(action_type, channel)
        if switch is None or not getattr(self.values, switch):
            return False
        return self.destination(channel) is not None

    def resource(self) -> dict[str, object]:
        """The settings resource of the API."""
        return {**self.values.as_dict(), "webhook_status": self.health.as_resource()}


def _columns() -> list[Any]:
    table = table_of(NotificationSettings)
    return [table.c[name] for name in ("user_id", *FIELDS, *SECRET_COLUMNS, *HEALTH_COLUMNS)]


def _record(row: RowMapping) -> Subscription:
    secret = row["signing_secret"]
    secrets = (
        None
        if secret is None
        else SigningSecrets(
            secret, row["previous_signing_secret"], row["previous_secret_expires_ms"]
        )
    )
    values = SettingsValues(*(row[name] for name in FIELDS))
    return Subscription(row["user_id"], values, secrets, health_of(row))


def load(connection: Connection, user_ids: Iterable[int]) -> dict[int, Subscription]:
    """The subscriptions of ``user_ids`` that have a settings row."""
    table = table_of(NotificationSettings)
    wanted = sorted(set(user_ids))
    found: dict[int, Subscription] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(*_columns()).where(table.c.user_id.in_(wanted[start : start + _CHUNK]))
        for row in connection.execute(query).mappings():
            found[row["user_id"]] = _record(row)
    return found


@functools.cache
def _one(*, for_update: bool) -> Select[Any]:
    # Built once: on the request path, building a statement costs more than running it.
    table = table_of(NotificationSettings)
    query = select(*_columns()).where(table.c.user_id == bindparam("user_id"))
    return query.with_for_update() if for_update else query


def find_one(
    connection: Connection, user_id: int, *, for_update: bool = False
) -> Subscription | None:
    """One account's subscription, None without a settings row; ``for_update`` locks the
    row (PostgreSQL; SQLite's writers hold the whole database)."""
    query = _one(for_update=for_update)
    row = connection.execute(query, {"user_id": user_id}).mappings().first()
    return None if row is None else _record(row)


def load_one(connection: Connection, user_id: int) -> Subscription:
    """One account's subscription; a user without a settings row has the defaults."""
    found = find_one(connection, user_id)
    return (
        Subscription(user_id, SettingsValues(), None, EndpointHealth()) if found is None else found
    )
