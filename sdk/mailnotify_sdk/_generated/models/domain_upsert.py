from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.domain_status import DomainStatus, check_domain_status
from ..types import UNSET, Unset

T = TypeVar("T", bound="DomainUpsert")


@_attrs_define
class DomainUpsert:
    """
    Attributes:
        customer_code (str):
        postmaster_code (str):
        status (DomainStatus): The first change to `active` raises `domain_create`.
        manager_code (None | str | Unset): The code of the manager the domain is assigned to, if any.
        postmaster_token (None | str | Unset): The postmaster's token (printable ASCII), passed on in `domain_create`
            webhooks. Omitting it, like omitting `manager_code`, clears it: the body replaces the domain's entry whole.
    """

    customer_code: str
    postmaster_code: str
    status: DomainStatus
    manager_code: None | str | Unset = UNSET
    postmaster_token: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        customer_code = self.customer_code

        postmaster_code = self.postmaster_code

        status: str = self.status

        manager_code: None | str | Unset
        if isinstance(self.manager_code, Unset):
            manager_code = UNSET
        else:
            manager_code = self.manager_code

        postmaster_token: None | str | Unset
        if isinstance(self.postmaster_token, Unset):
            postmaster_token = UNSET
        else:
            postmaster_token = self.postmaster_token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "customer_code": customer_code,
                "postmaster_code": postmaster_code,
                "status": status,
            }
        )
        if manager_code is not UNSET:
            field_dict["manager_code"] = manager_code
        if postmaster_token is not UNSET:
            field_dict["postmaster_token"] = postmaster_token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        customer_code = d.pop("customer_code")

        postmaster_code = d.pop("postmaster_code")

        status = check_domain_status(d.pop("status"))

        def _parse_manager_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        manager_code = _parse_manager_code(d.pop("manager_code", UNSET))

        def _parse_postmaster_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        postmaster_token = _parse_postmaster_token(d.pop("postmaster_token", UNSET))

        domain_upsert = cls(
            customer_code=customer_code,
            postmaster_code=postmaster_code,
            status=status,
            manager_code=manager_code,
            postmaster_token=postmaster_token,
        )

        return domain_upsert
