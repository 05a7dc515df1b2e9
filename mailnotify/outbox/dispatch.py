"""A claimed job to a verdict: read the settings at send time, compose, call the sender."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from mailnotify.delivery.email import (
    QuotaNotice,
    compose_endpoint_disabled_email,
    compose_mailbox_warning,
    compose_quota_email,
    compose_test_email,
)
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.smtp import EmailSender
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.models import Channel
from mailnotify.outbox.jobs import Job, Skipped
from mailnotify.quota import Level, Metric, Thresholds
from mailnotify.subscriptions.actions import ENDPOINT_DISABLED, PING, switch_for
from mailnotify.subscriptions.secrets import SigningSecrets

SWITCHED_OFF = Skipped("switched off before sending")
USER_DISABLED = Skipped("the user is disabled")
NO_SMTP = Skipped("no SMTP server configured")
DISABLED = Skipped("the endpoint is disabled")
NO_ADDRESS = Skipped("no notification_email saved")


@dataclass(frozen=True, slots=True)
class Senders:
    """What sends: webhooks always, emails when an SMTP server is configured."""

    webhooks: WebhookSender
    emails: EmailSender | None
    # The From address of every email.
    sender_address: str


class Dispatcher:
    """Turns a job into one attempt and its outcome; no database here."""

    def __init__(self, senders: Senders, thresholds: Thresholds) -> None:
        self._senders = senders
        self._thresholds = thresholds

    def destination(self, job: Job) -> str | None:
        """Whom sending ``job`` would occupy (a webhook host, or the SMTP server), if anyone."""
        if job.user_disabled:
            return None
        if job.channel is Channel.webhook:
            url = (job.settings or {}).get("notification_url")
            if not isinstance(url, str):
                return None
            try:
                host = urlsplit(url).hostname
            except ValueError:
                host = None
            return f"webhook {host or url}"
        return "smtp" if self._senders.emails is not None else None

    def target(self, job: Job) -> str | None:
        """The URL or address a send of ``job`` goes to, as the delivery log shows it."""
        settings = job.settings or {}
        if job.channel is Channel.webhook:
            url = settings.get("notification_url")
            return url if isinstance(url, str) else None
        if job.channel is Channel.email:
            address = settings.get("notification_email")
            return address if isinstance(address, str) else None
        return job.recipient

    async def dispatch(self, job: Job) -> Outcome | Skipped:
        """Send ``job``, unless its recipient's settings say not to.

        A redelivery asked for by its consumer (``forced``) and a ping go whatever the
        switches and the endpoint's state say; a ping is never retried.
        """
        if job.user_disabled:
            return USER_DISABLED
        outcome = await self._send(job, job.settings or {})
        retry = isinstance(outcome, Outcome) and outcome.kind is OutcomeKind.RETRY
        if retry and job.action_type == PING:
            assert isinstance(outcome, Outcome)
            return replace(outcome, kind=OutcomeKind.FAILED)
        return outcome

    async def _send(self, job: Job, settings: Mapping[str, Any]) -> Outcome | Skipped:
        if job.channel is Channel.webhook:
            url = settings.get("notification_url")
            if url is None or not _switched_on(job, settings):
                return SWITCHED_OFF
            if settings.get("webhook_state") == "disabled" and not _asked_for(job):
                return DISABLED
            return await self._senders.webhooks.send(
                url,
                secret=_secrets(settings).valid(job.claimed_ms),
                event_id=job.event_id,
                body=job.body.encode(),
            )
        address: str | None = settings.get("notification_email")
        if job.channel is Channel.email:
            if address is None:
                return NO_ADDRESS if _asked_for(job) else SWITCHED_OFF
            if not _switched_on(job, settings):
                return SWITCHED_OFF
        emails = self._senders.emails
        if emails is None:
            # Before composing, which costs more than the rest of the attempt.
            return NO_SMTP
        return await emails.send(self._message(job, address))

    def _message(self, job: Job, address: str | None) -> EmailMessage:
        body = json.loads(job.body)
        message_id = f"delivery-{job.delivery_id}"
        sender = self._senders.sender_address
        if job.channel is not Channel.email:
            notice = _notice(body, self._thresholds)
            return compose_mailbox_warning(notice, sender=sender, message_id=message_id)
        assert address is not None  # checked by the caller
        if job.action_type == PING:
            return compose_test_email(sender=sender, recipient=address, message_id=message_id)
        if job.action_type == ENDPOINT_DISABLED:
            return compose_endpoint_disabled_email(
                url=body["notification_url"],
                disabled_at=body["disabled_at"],
                sender=sender,
                recipient=address,
                message_id=message_id,
            )
        notice = _notice(body, self._thresholds)
        return compose_quota_email(notice, sender=sender, recipient=address, message_id=message_id)


def _asked_for(job: Job) -> bool:
    """Whether ``job`` goes whatever the switches: a redelivery, a ping, the notice of a
    disabled endpoint."""
    return job.forced or job.action_type in (PING, ENDPOINT_DISABLED)


def _switched_on(job: Job, settings: Mapping[str, Any]) -> bool:
    """Whether ``job`` may go out as its action's switch now says (see ``_asked_for``)."""
    if _asked_for(job):
        return True
    switch = switch_for(job.action_type, job.channel)
    return switch is not None and bool(settings.get(switch))


def _secrets(settings: Mapping[str, Any]) -> SigningSecrets:
    return SigningSecrets(
        settings["signing_secret"],
        settings.get("previous_signing_secret"),
        settings.get("previous_secret_expires_ms"),
    )


def _notice(body: Mapping[str, Any], thresholds: Thresholds) -> QuotaNotice:
    payload = body["payload"]
    level = Level.normal
    if body["event"] == "exceeded":
        critical = payload["crossed"] >= thresholds.critical
        level = Level.critical if critical else Level.warning
    return QuotaNotice(
        email_address=payload["email_address"],
        metric=Metric(body["metric"]).value,
        level=level.value,
        used=payload["used_size"],
        assigned=payload["assigned_size"],
        crossed=payload["crossed"],
    )
