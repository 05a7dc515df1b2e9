"""A typed client for the mailnotify API, sync and async, and helpers for webhook receivers."""

from ._client import AsyncClient, Client
from ._exceptions import (
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    MailnotifyError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    TransportError,
    ValidationError,
    WebhookError,
)
from ._generated.models import (
    Domain,
    DomainCreateEvent,
    DomainStatus,
    EmailOverquotaEvent,
    EmailOverquotaEventPayload,
    FieldError,
    NotificationSettings,
    SigningSecret,
    Usage,
    UsageReport,
    UsageResult,
)
from ._operations import DomainFields, NotificationSettingsFields
from ._transport import Retries
from ._version import __version__
from ._webhooks import UnknownEvent, WebhookEvent, parse_webhook, sign_webhook, verify_webhook

__all__ = [
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
