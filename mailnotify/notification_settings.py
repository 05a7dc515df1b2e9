"""The PUT semantics of notification settings: merge a partial update, keep the rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from mailnotify.errors import FieldError, validation_failed
from mailnotify.subscriptions.actions import NEEDS

FIELDS = (
    "notification_url",
    "email_overquota_callback",
    "domain_create_callback",
    "notification_email",
    "email_overquota_email",
)


@dataclass(frozen=True, slots=True)
class SettingsValues:
    """The five settings fields; the defaults are a new user's."""

    notification_url: str | None = None
    email_overquota_callback: bool = False
    domain_create_callback: bool = False
    notification_email: str | None = None
    email_overquota_email: bool = False

    def as_dict(self) -> dict[str, object]:
        """The resource as the API shows it."""
        return asdict(self)


def merge(current: SettingsValues, changes: Mapping[str, object]) -> SettingsValues:
    """The settings after ``changes``; raise a 422 if an enabled action lacks its destination.

    ``changes`` has already passed the schema: known fields, right types, valid values.
    """
    after = replace(current, **changes)  # type: ignore[arg-type]
    errors: dict[str, FieldError] = {}
    for action, destination in NEEDS.items():
        if not getattr(after, action) or getattr(after, destination) is not None:
            continue
        if destination in errors:
            continue
        if changes.get(action) is True:
            text = f"is required when enabling {action}"
        else:
            text = f"cannot be cleared while {action} is enabled"
        errors[destination] = FieldError(destination, text)
    if errors:
        raise validation_failed(errors.values())
    return after
