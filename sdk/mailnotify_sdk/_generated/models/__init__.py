"""Contains all the data models used in inputs/outputs"""

from .domain import Domain
from .domain_create_event import DomainCreateEvent
from .domain_create_event_action_type import DomainCreateEventActionType
from .domain_response import DomainResponse
from .domain_status import DomainStatus
from .domain_upsert import DomainUpsert
from .email_overquota_event import EmailOverquotaEvent
from .email_overquota_event_action_type import EmailOverquotaEventActionType
from .email_overquota_event_payload import EmailOverquotaEventPayload
from .error_body import ErrorBody
from .field_error import FieldError
from .notification_settings import NotificationSettings
from .notification_settings_response import NotificationSettingsResponse
from .notification_settings_update import NotificationSettingsUpdate
from .signing_secret import SigningSecret
from .signing_secret_response import SigningSecretResponse
from .usage import Usage
from .usage_batch import UsageBatch
from .usage_report import UsageReport
from .usage_result import UsageResult
from .usage_result_response import UsageResultResponse

__all__ = (
    "Domain",
    "DomainCreateEvent",
    "DomainCreateEventActionType",
    "DomainResponse",
    "DomainStatus",
    "DomainUpsert",
    "EmailOverquotaEvent",
    "EmailOverquotaEventActionType",
    "EmailOverquotaEventPayload",
    "ErrorBody",
    "FieldError",
    "NotificationSettings",
    "NotificationSettingsResponse",
    "NotificationSettingsUpdate",
    "SigningSecret",
    "SigningSecretResponse",
    "Usage",
    "UsageBatch",
    "UsageReport",
    "UsageResult",
    "UsageResultResponse",
)
