from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.domain_create_event_action_type import (
    DomainCreateEventActionType,
    check_domain_create_event_action_type,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="DomainCreateEvent")


@_attrs_define
class DomainCreateEvent:
    """A managed domain became active for the first time.

    Example:
        {'id': 'evt_66102c995b140PXPr7V42I5jvhP0rCTXPhw', 'created_at': '2026-11-24T10:01:00Z', 'action_type':
            'domain_create', 'domain_name': 'example.com', 'postmaster_code': 'PM2E7A9C4B6D10', 'postmaster_token':
            'pmt_Gu36tZp9Bc6rCVfTQnPQ0bfmXKUaAynd'}

    Attributes:
        id (str): The event id; also sent as the `webhook-id` header. Example: evt_66102c995b140PXPr7V42I5jvhP0rCTXPhw.
        created_at (datetime.datetime):  Example: 2026-11-24T10:01:00Z.
        action_type (DomainCreateEventActionType):
        domain_name (str):  Example: example.com.
        postmaster_code (str):  Example: PM2E7A9C4B6D10.
        postmaster_token (str | Unset): Present only when the platform supplied one. Example:
            pmt_Gu36tZp9Bc6rCVfTQnPQ0bfmXKUaAynd.
    """

    id: str
    created_at: datetime.datetime
    action_type: DomainCreateEventActionType
    domain_name: str
    postmaster_code: str
    postmaster_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        created_at = self.created_at.isoformat()

        action_type: str = self.action_type

        domain_name = self.domain_name

        postmaster_code = self.postmaster_code

        postmaster_token = self.postmaster_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "action_type": action_type,
                "domain_name": domain_name,
                "postmaster_code": postmaster_code,
            }
        )
        if postmaster_token is not UNSET:
            field_dict["postmaster_token"] = postmaster_token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        action_type = check_domain_create_event_action_type(d.pop("action_type"))

        domain_name = d.pop("domain_name")

        postmaster_code = d.pop("postmaster_code")

        postmaster_token = d.pop("postmaster_token", UNSET)

        domain_create_event = cls(
            id=id,
            created_at=created_at,
            action_type=action_type,
            domain_name=domain_name,
            postmaster_code=postmaster_code,
            postmaster_token=postmaster_token,
        )

        domain_create_event.additional_properties = d
        return domain_create_event

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
