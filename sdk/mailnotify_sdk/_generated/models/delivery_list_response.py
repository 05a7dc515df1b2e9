from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.delivery import Delivery
    from ..models.pagination import Pagination


T = TypeVar("T", bound="DeliveryListResponse")


@_attrs_define
class DeliveryListResponse:
    """
    Attributes:
        resources (list[Delivery]):
        pagination (Pagination): Where a page stands. `total_records` counts the matching records up to 10 000:
            at 10 000 there may be more, so that a listing costs the same on any page of
            any log. Walk on while a page is full.
    """

    resources: list[Delivery]
    pagination: Pagination
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resources = []
        for resources_item_data in self.resources:
            resources_item = resources_item_data.to_dict()
            resources.append(resources_item)

        pagination = self.pagination.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "resources": resources,
                "pagination": pagination,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery import Delivery  # noqa: PLC0415
        from ..models.pagination import Pagination  # noqa: PLC0415

        d = dict(src_dict)
        resources = []
        _resources = d.pop("resources")
        for resources_item_data in _resources:
            resources_item = Delivery.from_dict(resources_item_data)

            resources.append(resources_item)

        pagination = Pagination.from_dict(d.pop("pagination"))

        delivery_list_response = cls(
            resources=resources,
            pagination=pagination,
        )

        delivery_list_response.additional_properties = d
        return delivery_list_response

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
