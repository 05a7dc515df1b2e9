from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UsageResult")


@_attrs_define
class UsageResult:
    """
    Attributes:
        applied (int): Reports applied.
        ignored (int): Reports older than the last one applied to their mailbox.
        events (int): Events raised.
    """

    applied: int
    ignored: int
    events: int

    def to_dict(self) -> dict[str, Any]:
        applied = self.applied

        ignored = self.ignored

        events = self.events

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "applied": applied,
                "ignored": ignored,
                "events": events,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        applied = d.pop("applied")

        ignored = d.pop("ignored")

        events = d.pop("events")

        usage_result = cls(
            applied=applied,
            ignored=ignored,
            events=events,
        )

        return usage_result
