from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.email_overquota_event_action_type import (
    EmailOverquotaEventActionType,
    check_email_overquota_event_action_type,
)

if TYPE_CHECKING:
    from ..models.email_overquota_event_payload import EmailOverquotaEventPayload


T = TypeVar("T", bound="EmailOverquotaEvent")


@_attrs_define
class EmailOverquotaEvent:
    """A mailbox crossed a quota threshold, or returned below the recovery threshold.

    Example:
        {'id': 'evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A', 'created_at': '2026-11-24T10:00:00Z', 'action_type':
            'email_overquota', 'event': 'exceeded', 'metric': 'space', 'domain_name': 'example.com', 'payload':
            {'email_address': 'alice@example.com', 'email_code': 'MB7C2E9A4F1D08', 'assigned_size': 8589934592, 'used_size':
            6871947674, 'crossed': 80}}

    Attributes:
        id (str): The event id; also sent as the `webhook-id` header. Example: evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A.
        created_at (datetime.datetime):  Example: 2026-11-24T10:00:00Z.
        action_type (EmailOverquotaEventActionType):
        event (str): `exceeded` at the warning or critical threshold, `back_to_normal` below the
            recovery threshold. Open: other values may be added; ignore them.
             Example: exceeded.
        metric (str): `space`: bytes used of bytes assigned; `messages`: messages stored of the
            mailbox's message limit. Open: other metrics may be added; ignore them.
             Example: space.
        domain_name (str):  Example: example.com.
        payload (EmailOverquotaEventPayload):
    """

    id: str
    created_at: datetime.datetime
    action_type: EmailOverquotaEventActionType
    event: str
    metric: str
    domain_name: str
    payload: EmailOverquotaEventPayload
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        created_at = self.created_at.isoformat()

        action_type: str = self.action_type

        event = self.event

        metric = self.metric

        domain_name = self.domain_name

        payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "action_type": action_type,
                "event": event,
                "metric": metric,
                "domain_name": domain_name,
                "payload": payload,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.email_overquota_event_payload import EmailOverquotaEventPayload  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        action_type = check_email_overquota_event_action_type(d.pop("action_type"))

        event = d.pop("event")

        metric = d.pop("metric")

        domain_name = d.pop("domain_name")

        payload = EmailOverquotaEventPayload.from_dict(d.pop("payload"))

        email_overquota_event = cls(
            id=id,
            created_at=created_at,
            action_type=action_type,
            event=event,
            metric=metric,
            domain_name=domain_name,
            payload=payload,
        )

        email_overquota_event.additional_properties = d
        return email_overquota_event

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
