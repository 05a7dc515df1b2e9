"""The catalogue of actions: which switch sends which event type, where, over which channel.

Validation (an enabled switch needs its destination), intake (who gets a delivery) and
dispatch (is the switch still on at send time) all read it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mailnotify.models import Channel

# The settings field that holds each channel's destination.
DESTINATIONS: Mapping[Channel, str] = {
    Channel.webhook: "notification_url",
    Channel.email: "notification_email",
}


@dataclass(frozen=True, slots=True)
class Action:
    """One switch of the settings resource."""

    switch: str
    action_type: str
    channel: Channel

    @property
    def destination(self) -> str:
        """The settings field this action sends to."""
        return DESTINATIONS[self.channel]


ACTIONS: tuple[Action, ...] = (
    Action("email_overquota_callback", "email_overquota", Channel.webhook),
    Action("domain_create_callback", "domain_create", Channel.webhook),
    Action("email_overquota_email", "email_overquota", Channel.email),
)

# The test ping, and the email telling an account that its webhook endpoint was disabled:
# no switch governs either.
PING = "ping"
ENDPOINT_DISABLED = "endpoint_disabled"
# Event types a consumer's deliveries may carry.
ACTION_TYPES: tuple[str, ...] = (
    *dict.fromkeys(a.action_type for a in ACTIONS),
    PING,
    ENDPOINT_DISABLED,
)

# Each switch and the destination it needs (CONTRACT §2 rule 3).
NEEDS: Mapping[str, str] = {action.switch: action.destination for action in ACTIONS}


def switch_for(action_type: str, channel: Channel) -> str | None:
    """The switch that governs ``action_type`` over ``channel``; None if no switch does."""
    for action in ACTIONS:
        if action.action_type == action_type and action.channel is channel:
            return action.switch
    return None


def channels_for(action_type: str) -> tuple[Channel, ...]:
    """The channels an event of ``action_type`` may go out on, in catalogue order."""
    return tuple(a.channel for a in ACTIONS if a.action_type == action_type)
