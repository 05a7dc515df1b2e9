from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.email_overquota_event_action_type import (
    EmailOverquotaEventActionType,
    check_email_overquota_event_action_type,
)
from ..models.email_overquota_event_event import (
    EmailOverquotaEventEvent,
    check_email_overquota_event_event,
)
from ..models.email_overquota_event_metric import (
    EmailOverquotaEventMetric,
    check_email_overquota_event_metric,
)

if TYPE_CHECKING:
    from ..models.email_overquota_event_payload import EmailOverquotaEventPayload


T = TypeVar("T", bound="EmailOverquotaEvent")


@_attrs_define
class EmailOverquotaEvent:
    """A mailbox crossed a quota threshold, or returned below the recovery threshold.

    Example:
        {'id': 'evt_2Vt7ZbKqXyQ9mH4nL3cD', 'created_at': '2026-11-24T10:00:00Z', 'action_type': 'email_overquota',
            'event': 'exceeded', 'metric': 'space', 'domain_name': 'example.com', 'payload': {'email_address':
            'alice@example.com', 'email_code': 'EA1B2C3', 'assigned_size': 8589934592, 'used_size': 6871947674, 'crossed':
            80}}

    Attributes:
        id (str): The event id; also sent as the `webhook-id` header. Example: evt_2Vt7ZbKqXyQ9mH4nL3cD.
        created_at (datetime.datetime):  Example: 2026-11-24T10:00:00Z.
        action_type (EmailOverquotaEventActionType):
        event (EmailOverquotaEventEvent): `exceeded` at the warning or critical threshold, `back_to_normal` below the
            recovery threshold.
        metric (EmailOverquotaEventMetric): `space`: bytes used of bytes assigned; `messages`: messages stored of the
            mailbox's message limit.
        domain_name (str):  Example: example.com.
        payload (EmailOverquotaEventPayload):
    """

    id: str
    created_at: datetime.datetime
    action_type: EmailOverquotaEventActionType
    event: EmailOverquotaEventEvent
    metric: EmailOverquotaEventMetric
    domain_name: str
    payload: EmailOverquotaEventPayload

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        created_at = self.created_at.isoformat()

        action_type: str = self.action_type

        event: str = self.event

        metric: str = self.metric

        domain_name = self.domain_name

        payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}

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

        event = check_email_overquota_event_event(d.pop("event"))

        metric = check_email_overquota_event_metric(d.pop("metric"))

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

        return email_overquota_event
