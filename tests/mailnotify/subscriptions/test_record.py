"""The typed subscription record, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, delete

from mailnotify.db import changing, looking_up
from mailnotify.models import Channel, NotificationSettings, table_of
from mailnotify.notification_settings import SettingsValues
from mailnotify.subscriptions import record
from mailnotify.subscriptions.record import EndpointHealth, EndpointState
from mailnotify.subscriptions.settings import update_settings
from tests.mailnotify.subscriptions.helpers import new_user

HOOK = "https://hooks.example.com/mail"


def test_a_new_user_has_the_defaults_a_secret_and_a_healthy_endpoint(engine: Engine) -> None:
    user = new_user(engine)
    with looking_up(engine) as connection:
        found = record.load_one(connection, user)
    assert found.values == SettingsValues()
    assert found.secrets is not None
    assert found.secrets.current.startswith("whsec_")
    assert found.health == EndpointHealth()
    assert found.resource()["webhook_status"] == {
        "state": "healthy",
        "failing_since": None,
        "disabled_at": None,
        "last_success_at": None,
    }


def test_wants_needs_the_switch_and_the_destination(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        update_settings(
            session=connection,
            user_id=user,
            changes={"notification_url": HOOK, "domain_create_callback": True},
        )
        found = record.load(connection, [user])[user]
    assert found.wants("domain_create", Channel.webhook)
    assert not found.wants("email_overquota", Channel.webhook)
    assert not found.wants("email_overquota", Channel.email)
    assert not found.wants("ping", Channel.webhook)
    assert found.destination(Channel.webhook) == HOOK
    assert found.destination(Channel.email) is None


def test_a_user_without_a_settings_row_reads_as_the_defaults(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        table = table_of(NotificationSettings)
        connection.execute(delete(table).where(table.c.user_id == user))
        assert record.load(connection, [user]) == {}
        found = record.load_one(connection, user)
    assert found.secrets is None
    assert found.health.state is EndpointState.healthy
