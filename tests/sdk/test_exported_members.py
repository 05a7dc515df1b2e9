"""mailnotify_sdk.__init__: the public face, pinned."""

from __future__ import annotations

import mailnotify_sdk

EXPORTED = [
    "APIError",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "Domain",
    "DomainCreateEvent",
    "DomainFields",
    "DomainStatus",
    "EmailOverquotaEvent",
    "EmailOverquotaEventPayload",
    "FieldError",
    "InvalidArgumentError",
    "MailnotifyError",
    "NotFoundError",
    "NotificationSettings",
    "NotificationSettingsFields",
    "PermissionDeniedError",
    "Retries",
    "ServerError",
    "SigningSecret",
    "TransportError",
    "UnknownEvent",
    "Usage",
    "UsageReport",
    "UsageResult",
    "ValidationError",
    "WebhookError",
    "WebhookEvent",
    "__version__",
    "parse_webhook",
    "sign_webhook",
    "verify_webhook",
]


def test_all_imports_are_exported_in_sorted_order() -> None:
    public = [name for name in vars(mailnotify_sdk) if not name.startswith("_")]
    assert mailnotify_sdk.__all__ == sorted([*public, "__version__"])
    assert mailnotify_sdk.__all__ == EXPORTED
