from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.usage import Usage


T = TypeVar("T", bound="UsageReport")


@_attrs_define
class UsageReport:
    """
    Attributes:
        email_address (str):
        email_code (str):
        domain_name (str):  Example: example.com.
        observed_at (datetime.datetime): When the usage was measured (RFC 3339, with an offset). At most 5 minutes
            ahead of the server's clock, or the batch is refused with 422.
        space (Usage):
        messages (Usage):
    """

    email_address: str
    email_code: str
    domain_name: str
    observed_at: datetime.datetime
    space: Usage
    messages: Usage

    def to_dict(self) -> dict[str, Any]:
        email_address = self.email_address

        email_code = self.email_code

        domain_name = self.domain_name

        observed_at = self.observed_at.isoformat()

        space = self.space.to_dict()

        messages = self.messages.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email_address": email_address,
                "email_code": email_code,
                "domain_name": domain_name,
                "observed_at": observed_at,
                "space": space,
                "messages": messages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        email_address = d.pop("email_address")

        email_code = d.pop("email_code")

        domain_name = d.pop("domain_name")

        observed_at = datetime.datetime.fromisoformat(d.pop("observed_at"))

        space = Usage.from_dict(d.pop("space"))

        messages = Usage.from_dict(d.pop("messages"))

        usage_report = cls(
            email_address=email_address,
            email_code=email_code,
            domain_name=domain_name,
            observed_at=observed_at,
            space=space,
            messages=messages,
        )

        return usage_report
