from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EmailOverquotaEventPayload")


@_attrs_define
class EmailOverquotaEventPayload:
    """
    Attributes:
        email_address (str):  Example: alice@example.com.
        email_code (str):  Example: MB7C2E9A4F1D08.
        assigned_size (int): Bytes assigned (`space`) or the message limit (`messages`). Example: 8589934592.
        used_size (int): Bytes used (`space`) or messages stored (`messages`). Example: 6871947674.
        crossed (int): The threshold that triggered the event, in percent. Example: 80.
    """

    email_address: str
    email_code: str
    assigned_size: int
    used_size: int
    crossed: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        email_address = self.email_address

        email_code = self.email_code

        assigned_size = self.assigned_size

        used_size = self.used_size

        crossed = self.crossed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "email_address": email_address,
                "email_code": email_code,
                "assigned_size": assigned_size,
                "used_size": used_size,
                "crossed": crossed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email_address = d.pop("email_address")

        email_code = d.pop("email_code")

        assigned_size = d.pop("assigned_size")

        used_size = d.pop("used_size")

        crossed = d.pop("crossed")

        email_overquota_event_payload = cls(
            email_address=email_address,
            email_code=email_code,
            assigned_size=assigned_size,
            used_size=used_size,
            crossed=crossed,
        )

        email_overquota_event_payload.additional_properties = d
        return email_overquota_event_payload

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
