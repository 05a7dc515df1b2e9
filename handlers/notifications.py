"""Handlers of the ``notifications`` tag."""

from __future__ import annotations

from collections.abc import Mapping

from mailnotify import crud, services
from mailnotify.auth import authorize
from mailnotify.db import changing, looking_up, writing
from mailnotify.models import SETTINGS_ROLES
from mailnotify.notification_settings import SettingsValues


def _resource(values: SettingsValues) -> dict[str, object]:
    return {"resources": [values.as_dict()]}


async def get_notification_settings(token_info: Mapping[str, object]) -> dict[str, object]:
    """GET /users/me/notifications."""
    principal = authorize(token_info, SETTINGS_ROLES)
    with looking_up(services.current().engine) as connection:
        values = crud.get_settings(session=connection, user_id=principal.user_id)
    return _resource(values)


async def update_notification_settings(
    body: Mapping[str, object], token_info: Mapping[str, object]
) -> dict[str, object]:
    """PUT /users/me/notifications."""
    principal = authorize(token_info, SETTINGS_ROLES)
    engine = services.current().engine

    def update() -> SettingsValues:
        with changing(engine) as connection:
            return crud.update_settings(session=connection, user_id=principal.user_id, changes=body)

    return _resource(await services.current().write(update))


async def get_signing_secret(token_info: Mapping[str, object]) -> dict[str, object]:
    """GET /users/me/notifications/signing-secret."""
    principal = authorize(token_info, SETTINGS_ROLES)
    engine = services.current().engine

    def read_or_create() -> str:
        with writing(engine) as session:
            return crud.signing_secret(session=session, user_id=principal.user_id)

    return {"resources": [{"secret": await services.current().write(read_or_create)}]}
