from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SigningSecretRotation")


@_attrs_define
class SigningSecretRotation:
    """
    Attributes:
        previous_expires_in (int | Unset): Seconds during which the previous secret still signs webhooks. Default:
            86400.
    """

    previous_expires_in: int | Unset = 86400

    def to_dict(self) -> dict[str, Any]:
        previous_expires_in = self.previous_expires_in

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if previous_expires_in is not UNSET:
            field_dict["previous_expires_in"] = previous_expires_in

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        previous_expires_in = d.pop("previous_expires_in", UNSET)

        signing_secret_rotation = cls(
            previous_expires_in=previous_expires_in,
        )

        return signing_secret_rotation
