from typing import Literal

EmailOverquotaEventActionType = Literal["email_overquota"]

EMAIL_OVERQUOTA_EVENT_ACTION_TYPE_VALUES: set[EmailOverquotaEventActionType] = {
    "email_overquota",
}


def check_email_overquota_event_action_type(value: str) -> EmailOverquotaEventActionType:
    if value in EMAIL_OVERQUOTA_EVENT_ACTION_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {EMAIL_OVERQUOTA_EVENT_ACTION_TYPE_VALUES!r}"
    )
