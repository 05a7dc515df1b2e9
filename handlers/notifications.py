"""Handlers of the ``notifications`` tag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection

from mailnotify.auth import caller
from mailnotify.clock import now_ms
from mailnotify.errors import FieldError
from mailnotify.runtime import Runtime
from mailnotify.subscriptions import record, secrets
from mailnotify.subscriptions.settings import update_subscription

# Read-only in the resource: a body read by GET may be PUT back, and this part is ignored.
_READ_ONLY = ("webhook_status",)


def _resource(connection: Connection, user_id: int) -> dict[str, object]:
    return {"resources": [record.load_one(connection, user_id).resource()]}


async def get_notification_settings(
    runtime: Runtime, token_info: Mapping[str, object]
) -> dict[str, object]:
    """GET /users/me/notifications."""
    principal = caller(token_info)
    return await runtime.database.read(
        lambda connection: _resource(connection, principal.user_id), short=True
    )


async def update_notification_settings(
    runtime: Runtime,
    body: Mapping[str, object],
    token_info: Mapping[str, object],
    invalid: Sequence[FieldError] = (),
) -> dict[str, object]:
    """PUT /users/me/notifications."""
    principal = caller(token_info)
    changes = {k: v for k, v in body.items() if k not in _READ_ONLY}

    def update(connection: Connection) -> dict[str, object]:
        found = update_subscription(
            connection=connection,
            user_id=principal.user_id,
            changes=changes,
            invalid=invalid,
            # Saving the URL, even unchanged, is how a consumer re-enables its endpoint.
            healthy_again="notification_url" in changes,
        )
        return {"resources": [found.resource()]}

    return await runtime.database.change(update, short=True)


async def get_signing_secret(
    runtime: Runtime, token_info: Mapping[str, object]
) -> dict[str, object]:
    """GET /users/me/notifications/signing-secret."""
    principal = caller(token_info)
    found = await runtime.database.change(
        lambda connection: secrets.stored(connection, user_id=principal.user_id)
    )
    return {"resources": [secrets.resource(found, now_ms())]}
