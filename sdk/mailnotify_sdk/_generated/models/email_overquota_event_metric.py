from typing import Literal

EmailOverquotaEventMetric = Literal["messages", "space"]

EMAIL_OVERQUOTA_EVENT_METRIC_VALUES: set[EmailOverquotaEventMetric] = {
    "messages",
    "space",
}


def check_email_overquota_event_metric(value: str) -> EmailOverquotaEventMetric:
    if value in EMAIL_OVERQUOTA_EVENT_METRIC_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {EMAIL_OVERQUOTA_EVENT_METRIC_VALUES!r}"
    )
