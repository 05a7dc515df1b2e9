from typing import Literal

ActionType = Literal["domain_create", "email_overquota", "endpoint_disabled", "ping"]

ACTION_TYPE_VALUES: set[ActionType] = {
    "domain_create",
    "email_overquota",
    "endpoint_disabled",
    "ping",
}


def check_action_type(value: str) -> ActionType:
    if value in ACTION_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ACTION_TYPE_VALUES!r}")
