"""The one builder of the worker and its senders from ``Settings``.

Settings are checked in ``config``; what only the senders can check (an SMTP URL, a CA
bundle) fails here, as a ``ConfigError`` that names its variable.
"""

from __future__ import annotations

from sqlalchemy import Engine

from mailnotify.addresses import AddressPolicy
from mailnotify.clock import Clock, now_ms
from mailnotify.config import ConfigError, Settings, variable
from mailnotify.delivery.schedule import Random
from mailnotify.delivery.smtp import EmailSender, InvalidSmtpUrl, SmtpTarget
from mailnotify.delivery.tls import BadCABundle
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.metrics import Metrics
from mailnotify.models import DeliveryStatus
from mailnotify.outbox.dispatch import Dispatcher, Senders
from mailnotify.outbox.jobs import Job
from mailnotify.outbox.store import EndpointHealth, OnRecorded, Store
from mailnotify.outbox.worker import DeliveryWorker, listen_url
from mailnotify.quota import Thresholds
from mailnotify.subscriptions import health as endpoint_health


def build_senders(settings: Settings, policy: AddressPolicy) -> Senders:
    """The webhook sender (``policy``, the CA bundle) and the SMTP sender, if configured."""
    try:
        webhooks = WebhookSender(policy, ca_bundle=settings.webhook_ca_bundle)
    except BadCABundle as exc:
        raise ConfigError(f"{variable('webhook_ca_bundle')}: {exc}") from None
    emails = None
    if settings.smtp_url:
        try:
            emails = EmailSender(SmtpTarget.parse(settings.smtp_url))
        except (InvalidSmtpUrl, BadCABundle) as exc:
            raise ConfigError(f"{variable('smtp_url')}: {exc}") from None
    return Senders(webhooks=webhooks, emails=emails, sender_address=settings.smtp_from)


def observer(metrics: Metrics) -> OnRecorded:
    """What tells ``metrics`` of each recorded outcome: deliveries by channel and outcome."""

    def observe(job: Job, status: str, now_ms: int) -> None:
        # Still pending after an attempt: it waits for its retry.
        outcome = "retry" if status == DeliveryStatus.pending.value else status
        age = None if job.created_ms is None else (now_ms - job.created_ms) / 1000
        metrics.delivery(job.channel.value, outcome, age_seconds=age)

    return observe


def build_worker(
    settings: Settings,
    engine: Engine,
    *,
    policy: AddressPolicy | None = None,
    clock: Clock = now_ms,
    rng: Random | None = None,
    batch: int = 256,
    concurrency: int = 128,
    per_destination: int = 8,
    idle_cap: float = 10.0,
    lease_ms: int | None = None,
    metrics: Metrics | None = None,
    health: EndpointHealth | None = None,
) -> DeliveryWorker:
    """A worker on ``engine`` wired as ``settings`` say; ``policy`` if the caller has one.

    Endpoint health is kept by ``mailnotify.subscriptions.health`` unless ``health`` is
    given, so that every worker disables endpoints as CONTRACT §7 asks.
    """
    if policy is None:
        policy = AddressPolicy.from_networks(settings.allow_networks)
    senders = build_senders(settings, policy)
    store = Store(
        engine,
        clock=clock,
        rng=rng,
        delays=settings.retry_delays,
        disable_after_ms=settings.disable_after_ms,
        health=endpoint_health if health is None else health,
        lease_ms=settings.worker_lease_seconds * 1000 if lease_ms is None else lease_ms,
        on_recorded=None if metrics is None else observer(metrics),
    )
    return DeliveryWorker(
        store=store,
        dispatcher=Dispatcher(senders, Thresholds.from_settings(settings)),
        webhooks=senders.webhooks,
        batch=batch,
        concurrency=concurrency,
        per_destination=per_destination,
        idle_cap=idle_cap,
        listen_url=listen_url(engine),
        retention_ms=settings.retention_ms,
    )
