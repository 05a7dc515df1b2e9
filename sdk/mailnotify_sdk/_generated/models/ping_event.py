from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ping_event_action_type import PingEventActionType, check_ping_event_action_type

T = TypeVar("T", bound="PingEvent")


@_attrs_define
class PingEvent:
    """A test ping, sent by `POST /users/me/notifications/test`.

    Example:
        {'id': 'evt_66102d7e1eb0023H8AHHib0cdaPlyxsfWYw', 'created_at': '2026-11-24T10:05:00Z', 'action_type': 'ping'}

    Attributes:
        id (str): The event id; also sent as the `webhook-id` header. Example: evt_66102d7e1eb0023H8AHHib0cdaPlyxsfWYw.
        created_at (datetime.datetime):  Example: 2026-11-24T10:05:00Z.
        action_type (PingEventActionType):
    """

    id: str
    created_at: datetime.datetime
    action_type: PingEventActionType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        created_at = self.created_at.isoformat()

        action_type: str = self.action_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "action_type": action_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        action_type = check_ping_event_action_type(d.pop("action_type"))

        ping_event = cls(
            id=id,
            created_at=created_at,
            action_type=action_type,
        )

        ping_event.additional_properties = d
        return ping_event

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
