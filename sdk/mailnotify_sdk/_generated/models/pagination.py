from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Pagination")


@_attrs_define
class Pagination:
    """Where a page stands. `total_records` counts the matching records up to 10 000:
    at 10 000 there may be more, so that a listing costs the same on any page of
    any log. Walk on while a page is full.

        Attributes:
            per (int):  Example: 25.
            page (int):  Example: 1.
            total_pages (int):  Example: 1.
            total_records (int):  Example: 1.
    """

    per: int
    page: int
    total_pages: int
    total_records: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        per = self.per

        page = self.page

        total_pages = self.total_pages

        total_records = self.total_records

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "per": per,
                "page": page,
                "total_pages": total_pages,
                "total_records": total_records,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        per = d.pop("per")

        page = d.pop("page")

        total_pages = d.pop("total_pages")

        total_records = d.pop("total_records")

        pagination = cls(
            per=per,
            page=page,
            total_pages=total_pages,
            total_records=total_records,
        )

        pagination.additional_properties = d
        return pagination

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
