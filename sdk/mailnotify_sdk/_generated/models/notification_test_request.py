from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.delivery_channel import DeliveryChannel, check_delivery_channel
from ..types import UNSET, Unset

T = TypeVar("T", bound="NotificationTestRequest")


@_attrs_define
class NotificationTestRequest:
    """
    Attributes:
        channel (DeliveryChannel | Unset):  Default: 'webhook'.
    """

    channel: DeliveryChannel | Unset = "webhook"

    def to_dict(self) -> dict[str, Any]:
        channel: str | Unset = UNSET
        if not isinstance(self.channel, Unset):
            channel = self.channel

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if channel is not UNSET:
            field_dict["channel"] = channel

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _channel = d.pop("channel", UNSET)
        channel: DeliveryChannel | Unset
        if isinstance(_channel, Unset):
            channel = UNSET
        else:
            channel = check_delivery_channel(_channel)

        notification_test_request = cls(
            channel=channel,
        )

        return notification_test_request
