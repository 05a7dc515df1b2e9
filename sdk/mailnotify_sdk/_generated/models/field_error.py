from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FieldError")


@_attrs_define
class FieldError:
    """
    Attributes:
        field (str): Dotted JSON path of the failing value, or `body` for the body itself. Example: notification_url.
        description (str): A short lower-case phrase. Example: must be an absolute https URL.
    """

    field: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        field = self.field

        description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "field": field,
                "description": description,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        field = d.pop("field")

        description = d.pop("description")

        field_error = cls(
            field=field,
            description=description,
        )

        return field_error
