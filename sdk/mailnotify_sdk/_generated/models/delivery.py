from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.delivery_attempt import DeliveryAttempt


T = TypeVar("T", bound="Delivery")


@_attrs_define
class Delivery:
    """One event to one destination over one channel.

    Attributes:
        id (str):  Example: dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w.
        event_id (str): The event's id, sent as `webhook-id`. Example: evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A.
        action_type (str): The event's type (see `ActionType`). Open: deliveries of event types added
            later may appear; show them as they are.
             Example: email_overquota.
        channel (str): `webhook` or `email` (see `DeliveryChannel`). Open: a channel added later may
            appear.
             Example: webhook.
        destination (None | str): The URL or address of the last attempt; null before the first.
        status (str): `pending`, `delivered`, `failed` or `skipped` (see `DeliveryStatus`). Open: treat
            a status added later like `pending`.
             Example: pending.
        attempt_count (int):
        created_at (datetime.datetime):
        next_attempt_at (datetime.datetime | None): When a `pending` delivery is tried next; null otherwise.
        delivered_at (datetime.datetime | None):
        last_attempt (DeliveryAttempt | None): The latest attempt; null before the first.
    """

    id: str
    event_id: str
    action_type: str
    channel: str
    destination: None | str
    status: str
    attempt_count: int
    created_at: datetime.datetime
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    last_attempt: DeliveryAttempt | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415

        id = self.id

        event_id = self.event_id

        action_type = self.action_type

        channel = self.channel

        destination: None | str
        destination = self.destination

        status = self.status

        attempt_count = self.attempt_count

        created_at = self.created_at.isoformat()

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        last_attempt: dict[str, Any] | None
        if isinstance(self.last_attempt, DeliveryAttempt):
            last_attempt = self.last_attempt.to_dict()
        else:
            last_attempt = self.last_attempt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event_id": event_id,
                "action_type": action_type,
                "channel": channel,
                "destination": destination,
                "status": status,
                "attempt_count": attempt_count,
                "created_at": created_at,
                "next_attempt_at": next_attempt_at,
                "delivered_at": delivered_at,
                "last_attempt": last_attempt,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_attempt import DeliveryAttempt  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        event_id = d.pop("event_id")

        action_type = d.pop("action_type")

        channel = d.pop("channel")

        def _parse_destination(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        destination = _parse_destination(d.pop("destination"))

        status = d.pop("status")

        attempt_count = d.pop("attempt_count")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        def _parse_delivered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        def _parse_last_attempt(data: object) -> DeliveryAttempt | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_attempt_type_0 = DeliveryAttempt.from_dict(data)

                return last_attempt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryAttempt | None, data)

        last_attempt = _parse_last_attempt(d.pop("last_attempt"))

        delivery = cls(
            id=id,
            event_id=event_id,
            action_type=action_type,
            channel=channel,
            destination=destination,
            status=status,
            attempt_count=attempt_count,
            created_at=created_at,
            next_attempt_at=next_attempt_at,
            delivered_at=delivered_at,
            last_attempt=last_attempt,
        )

        delivery.additional_properties = d
        return delivery

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
