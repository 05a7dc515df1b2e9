from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="SigningSecret")


@_attrs_define
class SigningSecret:
    """
    Attributes:
        secret (str): `whsec_` followed by the base64 of 32 random bytes. Example:
            whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
        previous_expires_at (datetime.datetime | None): Until when the secret a rotation replaced still signs webhooks;
            null when none does.
    """

    secret: str
    previous_expires_at: datetime.datetime | None

    def to_dict(self) -> dict[str, Any]:
        secret = self.secret

        previous_expires_at: None | str
        if isinstance(self.previous_expires_at, datetime.datetime):
            previous_expires_at = self.previous_expires_at.isoformat()
        else:
            previous_expires_at = self.previous_expires_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "secret": secret,
                "previous_expires_at": previous_expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        secret = d.pop("secret")

        def _parse_previous_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return previous_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        previous_expires_at = _parse_previous_expires_at(d.pop("previous_expires_at"))

        signing_secret = cls(
            secret=secret,
            previous_expires_at=previous_expires_at,
        )

        return signing_secret
