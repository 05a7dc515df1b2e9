"""Delivery primitives for the outbox worker: signed webhooks, quota emails, the schedule.

No database here: the worker decides what to send and records what came of it.
"""

from mailnotify.delivery.email import (
    QuotaNotice,
    compose_mailbox_warning,
    compose_quota_email,
    quota_subject,
)
from mailnotify.delivery.errors import DeliveryError, ErrorKind
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.resolver import Resolver, system_resolver
from mailnotify.delivery.schedule import MAX_ATTEMPTS, next_attempt, parse_retry_after
from mailnotify.delivery.signing import InvalidSecret, generate_secret, sign
from mailnotify.delivery.smtp import EmailSender, InvalidSmtpUrl, SmtpTarget
from mailnotify.delivery.tls import BadCABundle
from mailnotify.delivery.webhooks import WebhookSender

__all__ = [
    "MAX_ATTEMPTS",
    "BadCABundle",
    "DeliveryError",
    "EmailSender",
    "ErrorKind",
    "InvalidSecret",
    "InvalidSmtpUrl",
    "Outcome",
    "OutcomeKind",
    "QuotaNotice",
    "Resolver",
    "SmtpTarget",
    "WebhookSender",
    "compose_mailbox_warning",
    "compose_quota_email",
    "generate_secret",
    "next_attempt",
    "parse_retry_after",
    "quota_subject",
    "sign",
    "system_resolver",
]
