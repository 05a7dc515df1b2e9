from typing import Literal

PingEventActionType = Literal["ping"]

PING_EVENT_ACTION_TYPE_VALUES: set[PingEventActionType] = {
    "ping",
}


def check_ping_event_action_type(value: str) -> PingEventActionType:
    if value in PING_EVENT_ACTION_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {PING_EVENT_ACTION_TYPE_VALUES!r}"
    )
