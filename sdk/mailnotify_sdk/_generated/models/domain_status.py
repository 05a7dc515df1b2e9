from typing import Literal

DomainStatus = Literal["active", "disabled", "pending"]

DOMAIN_STATUS_VALUES: set[DomainStatus] = {
    "active",
    "disabled",
    "pending",
}


def check_domain_status(value: str) -> DomainStatus:
    if value in DOMAIN_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DOMAIN_STATUS_VALUES!r}")
