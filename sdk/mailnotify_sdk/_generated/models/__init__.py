"""Contains all the data models used in inputs/outputs"""

from .action_type import ActionType
from .delivery import Delivery
from .delivery_attempt import DeliveryAttempt
from .delivery_channel import DeliveryChannel
from .delivery_detail import DeliveryDetail
from .delivery_detail_response import DeliveryDetailResponse
from .delivery_list_response import DeliveryListResponse
from .delivery_response import DeliveryResponse
from .delivery_status import DeliveryStatus
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
from .notification_test_request import NotificationTestRequest
from .pagination import Pagination
from .ping_event import PingEvent
from .ping_event_action_type import PingEventActionType
from .signing_secret import SigningSecret
from .signing_secret_response import SigningSecretResponse
from .signing_secret_rotation import SigningSecretRotation
from .usage import Usage
from .usage_batch import UsageBatch
from .usage_report import UsageReport
from .usage_result import UsageResult
from .usage_result_response import UsageResultResponse
from .webhook_status import WebhookStatus

__all__ = (
    "ActionType",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryChannel",
    "DeliveryDetail",
    "DeliveryDetailResponse",
    "DeliveryListResponse",
    "DeliveryResponse",
    "DeliveryStatus",
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
    "NotificationTestRequest",
    "Pagination",
    "PingEvent",
    "PingEventActionType",
    "SigningSecret",
    "SigningSecretResponse",
    "SigningSecretRotation",
    "Usage",
    "UsageBatch",
    "UsageReport",
    "UsageResult",
    "UsageResultResponse",
    "WebhookStatus",
)
