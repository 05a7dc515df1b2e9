from typing import Literal

DomainCreateEventActionType = Literal["domain_create"]

DOMAIN_CREATE_EVENT_ACTION_TYPE_VALUES: set[DomainCreateEventActionType] = {
    "domain_create",
}


def check_domain_create_event_action_type(value: str) -> DomainCreateEventActionType:
    if value in DOMAIN_CREATE_EVENT_ACTION_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {DOMAIN_CREATE_EVENT_ACTION_TYPE_VALUES!r}"
    )
