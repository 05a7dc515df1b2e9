from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """
    Attributes:
        used (int):
        assigned (int): The limit; `0` means none, and then nothing is crossed.
    """

    used: int
    assigned: int

    def to_dict(self) -> dict[str, Any]:
        used = self.used

        assigned = self.assigned

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "used": used,
                "assigned": assigned,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        used = d.pop("used")

        assigned = d.pop("assigned")

        usage = cls(
            used=used,
            assigned=assigned,
        )

        return usage
