from typing import Literal

WebhookStatusState = Literal["disabled", "failing", "healthy"]

WEBHOOK_STATUS_STATE_VALUES: set[WebhookStatusState] = {
    "disabled",
    "failing",
    "healthy",
}


def check_webhook_status_state(value: str) -> WebhookStatusState:
    if value in WEBHOOK_STATUS_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {WEBHOOK_STATUS_STATE_VALUES!r}")
