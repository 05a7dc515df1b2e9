from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

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

    def to_dict(self) -> dict[str, Any]:
        per = self.per

        page = self.page

        total_pages = self.total_pages

        total_records = self.total_records

        field_dict: dict[str, Any] = {}

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

        return pagination
