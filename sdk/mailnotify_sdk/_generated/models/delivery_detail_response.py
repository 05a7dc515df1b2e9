from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.delivery_detail import DeliveryDetail


T = TypeVar("T", bound="DeliveryDetailResponse")


@_attrs_define
class DeliveryDetailResponse:
    """
    Attributes:
        resources (list[DeliveryDetail]):
    """

    resources: list[DeliveryDetail]

    def to_dict(self) -> dict[str, Any]:
        resources = []
        for resources_item_data in self.resources:
            resources_item = resources_item_data.to_dict()
            resources.append(resources_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "resources": resources,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_detail import DeliveryDetail  # noqa: PLC0415

        d = dict(src_dict)
        resources = []
        _resources = d.pop("resources")
        for resources_item_data in _resources:
            resources_item = DeliveryDetail.from_dict(resources_item_data)

            resources.append(resources_item)

        delivery_detail_response = cls(
            resources=resources,
        )

        return delivery_detail_response
