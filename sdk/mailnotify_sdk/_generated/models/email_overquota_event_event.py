from typing import Literal

EmailOverquotaEventEvent = Literal["back_to_normal", "exceeded"]

EMAIL_OVERQUOTA_EVENT_EVENT_VALUES: set[EmailOverquotaEventEvent] = {
    "back_to_normal",
    "exceeded",
}


def check_email_overquota_event_event(value: str) -> EmailOverquotaEventEvent:
    if value in EMAIL_OVERQUOTA_EVENT_EVENT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {EMAIL_OVERQUOTA_EVENT_EVENT_VALUES!r}"
    )
