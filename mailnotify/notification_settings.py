"""The PUT semantics of notification settings: merge a partial update, keep the rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def merge(
    current: SettingsValues,
    changes: Mapping[str, object],
    *,
    invalid: Sequence[FieldError] = (),
) -> SettingsValues:
    """The settings after ``changes``; raise a 422 if an enabled action lacks its destination.

    ``invalid`` are the request's failures found before (schema, parameters): the 422
    lists them with the rule failures of ``changes``, which holds only the valid fields.
    """
    after = replace(current, **changes)  # type: ignore[arg-type]
    failing = {error.field for error in invalid}
    errors: dict[str, FieldError] = {}
    for action, destination in NEEDS.items():
        if not getattr(after, action) or getattr(after, destination) is not None:
            continue
        if destination in errors or destination in failing:
            continue
        if changes.get(action) is True:
            text = f"is required when enabling {action}"
        else:
            text = f"cannot be cleared while {action} is enabled"
        errors[destination] = FieldError(destination, text)
    if invalid or errors:
        raise validation_failed([*invalid, *errors.values()])
    return after


def valid_changes(body: Mapping[str, object], invalid: Sequence[FieldError]) -> dict[str, object]:
    """The known fields of ``body`` that passed the schema."""
    failing = {error.field for error in invalid}
    return {name: value for name, value in body.items() if name in FIELDS and name not in failing}
