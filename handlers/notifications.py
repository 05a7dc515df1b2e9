"""Handlers of the ``notifications`` tag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailnotify import crud
from mailnotify.auth import caller
from mailnotify.errors import FieldError
from mailnotify.notification_settings import SettingsValues
from mailnotify.runtime import Runtime


def _resource(values: SettingsValues) -> dict[str, object]:
    return {"resources": [values.as_dict()]}


async def get_notification_settings(
    runtime: Runtime, token_info: Mapping[str, object]
) -> dict[str, object]:
    """GET /users/me/notifications."""
    principal = caller(token_info)
    values = await runtime.database.read(
        lambda connection: crud.get_settings(session=connection, user_id=principal.user_id)
    )
    return _resource(values)


async def update_notification_settings(
    runtime: Runtime,
    body: Mapping[str, object],
    token_info: Mapping[str, object],
    invalid: Sequence[FieldError] = (),
) -> dict[str, object]:
    """PUT /users/me/notifications."""
    principal = caller(token_info)
    values = await runtime.database.change(
        lambda connection: crud.update_settings(
            session=connection, user_id=principal.user_id, changes=body, invalid=invalid
        )
    )
    return _resource(values)


async def get_signing_secret(
    runtime: Runtime, token_info: Mapping[str, object]
) -> dict[str, object]:
    """GET /users/me/notifications/signing-secret."""
    principal = caller(token_info)
    secret = await runtime.database.write(
        lambda session: crud.signing_secret(session=session, user_id=principal.user_id)
    )
    return {"resources": [{"secret": secret}]}
