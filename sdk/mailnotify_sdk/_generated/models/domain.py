from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Domain")


@_attrs_define
class Domain:
    """
    Attributes:
        domain_name (str):
        customer_code (str):
        manager_code (None | str):
        postmaster_code (str):
        status (str): `pending`, `active` or `disabled` (see `DomainStatus`). Open: a response may
            carry a status added later; treat an unknown one as not active.
             Example: active.
        activated_at (datetime.datetime | None): When the domain first became active.
    """

    domain_name: str
    customer_code: str
    manager_code: None | str
    postmaster_code: str
    status: str
    activated_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain_name = self.domain_name

        customer_code = self.customer_code

        manager_code: None | str
        manager_code = self.manager_code

        postmaster_code = self.postmaster_code

        status = self.status

        activated_at: None | str
        if isinstance(self.activated_at, datetime.datetime):
            activated_at = self.activated_at.isoformat()
        else:
            activated_at = self.activated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain_name": domain_name,
                "customer_code": customer_code,
                "manager_code": manager_code,
                "postmaster_code": postmaster_code,
                "status": status,
                "activated_at": activated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        domain_name = d.pop("domain_name")

        customer_code = d.pop("customer_code")

        def _parse_manager_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        manager_code = _parse_manager_code(d.pop("manager_code"))

        postmaster_code = d.pop("postmaster_code")

        status = d.pop("status")

        def _parse_activated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                activated_at_type_0 = datetime.datetime.fromisoformat(data)

                return activated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        activated_at = _parse_activated_at(d.pop("activated_at"))

        domain = cls(
            domain_name=domain_name,
            customer_code=customer_code,
            manager_code=manager_code,
            postmaster_code=postmaster_code,
            status=status,
            activated_at=activated_at,
        )

        domain.additional_properties = d
        return domain

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
