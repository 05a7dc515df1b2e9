"""The catalogue of actions: one entry per switch of the settings resource."""

from __future__ import annotations

from mailnotify.models import Channel
from mailnotify.notification_settings import FIELDS
from mailnotify.subscriptions import actions


def test_every_boolean_field_of_the_settings_is_one_action() -> None:
    destinations = set(actions.DESTINATIONS.values())
    switches = [field for field in FIELDS if field not in destinations]
    assert [action.switch for action in actions.ACTIONS] == switches


def test_each_switch_needs_the_destination_of_its_channel() -> None:
    assert actions.NEEDS["email_overquota_email"] == "notification_email"
    assert actions.NEEDS["domain_create_callback"] == "notification_url"


def test_switch_for_names_the_switch_of_an_event_type_and_channel() -> None:
    assert actions.switch_for("email_overquota", Channel.webhook) == "email_overquota_callback"
    assert actions.switch_for("email_overquota", Channel.email) == "email_overquota_email"
    assert actions.switch_for("domain_create", Channel.webhook) == "domain_create_callback"
    assert actions.switch_for("domain_create", Channel.email) is None
    assert actions.switch_for(actions.PING, Channel.webhook) is None


def test_channels_and_action_types() -> None:
    assert actions.channels_for("email_overquota") == (Channel.webhook, Channel.email)
    assert actions.channels_for("domain_create") == (Channel.webhook,)
    assert actions.ACTION_TYPES == (
        "email_overquota",
        "domain_create",
        "ping",
        "endpoint_disabled",
    )
