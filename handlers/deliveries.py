"""Handlers of the ``deliveries`` tag: the delivery log, redelivery, tests, secret rotation."""

from __future__ import annotations

from collections.abc import Mapping

from mailnotify.auth import caller
from mailnotify.clock import now_ms
from mailnotify.errors import not_found
from mailnotify.intake import parse_timestamp
from mailnotify.models import Channel
from mailnotify.outbox import log
from mailnotify.outbox.build import build_senders
from mailnotify.outbox.dispatch import Senders
from mailnotify.outbox.log import DeliveryFilter
from mailnotify.runtime import Runtime
from mailnotify.subscriptions import ping, secrets


def _ms(timestamp: str | None) -> int | None:
    # The value passed the spec's date-time check, so it parses.
    return None if timestamp is None else parse_timestamp(timestamp) // 1000


async def list_deliveries(
    runtime: Runtime,
    token_info: Mapping[str, object],
    page: int = 1,
    per: int = 25,
    status: str | None = None,
    action_type: str | None = None,
    channel: str | None = None,
    event_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, object]:
    """GET /users/me/notifications/deliveries."""
    principal = caller(token_info)
    where = DeliveryFilter(status, action_type, channel, event_id, _ms(since), _ms(until))
    found = await runtime.database.read(
        lambda connection: log.list_deliveries(
            connection, user_id=principal.user_id, where=where, page=page, per=per
        )
    )
    return found.body()


async def get_delivery(
    runtime: Runtime, token_info: Mapping[str, object], delivery_id: str
) -> dict[str, object]:
    """GET /users/me/notifications/deliveries/{delivery_id}."""
    principal = caller(token_info)
    found = await runtime.database.read(
        lambda connection: log.get_delivery(
            connection, user_id=principal.user_id, public_id=delivery_id
        )
    )
    if found is None:
        raise not_found()
    return {"resources": [found]}


async def redeliver_delivery(
    runtime: Runtime, token_info: Mapping[str, object], delivery_id: str
) -> tuple[dict[str, object], int]:
    """POST /users/me/notifications/deliveries/{delivery_id}/redeliver."""
    principal = caller(token_info)
    found = await runtime.database.change(
        lambda connection: log.redeliver(
            connection, user_id=principal.user_id, public_id=delivery_id, now_ms=now_ms()
        )
    )
    if found is None:
        raise not_found()
    runtime.outbox_signal.notify()
    return {"resources": [found]}, 202


def _senders(runtime: Runtime) -> Senders:
    # Built per test: tests are few (rate-limited), and loading CAs costs milliseconds.
    return build_senders(runtime.settings, runtime.address_policy)


async def send_test_notification(
    runtime: Runtime, token_info: Mapping[str, object], body: Mapping[str, object] | None = None
) -> dict[str, object]:
    """POST /users/me/notifications/test."""
    principal = caller(token_info)
    channel = Channel(str((body or {}).get("channel", Channel.webhook.value)))
    found = await ping.send_test(
        database=runtime.database,
        senders=_senders(runtime),
        user_id=principal.user_id,
        channel=channel,
        clock=now_ms,
    )
    return {"resources": [found]}


async def rotate_signing_secret(
    runtime: Runtime, token_info: Mapping[str, object], body: Mapping[str, object] | None = None
) -> dict[str, object]:
    """POST /users/me/notifications/signing-secret/rotate."""
    principal = caller(token_info)
    overlap = (body or {}).get("previous_expires_in", secrets.DEFAULT_OVERLAP_SECONDS)
    assert isinstance(overlap, int)  # the spec's schema checked it
    now = now_ms()
    rotated = await runtime.database.change(
        lambda connection: secrets.rotate(
            connection, user_id=principal.user_id, now_ms=now, overlap_seconds=overlap
        )
    )
    return {"resources": [secrets.resource(rotated, now)]}
