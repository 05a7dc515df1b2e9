"""The delivery worker: claims due deliveries from the outbox, sends them, records the outcome.

A claim is a lease: the row gets ``lease_until_ms`` and one more attempt in a committed
transaction before anything is sent, so a worker killed mid-batch loses nothing (the
lease runs out and another worker takes the row: at least once), and no two workers send
one delivery at the same time (on PostgreSQL the claim also skips rows another worker is
claiming, ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, or_, select, update

from mailnotify.clock import Clock, now_ms
from mailnotify.config import Settings
from mailnotify.db import reading, writing
from mailnotify.delivery.email import QuotaNotice, compose_mailbox_warning, compose_quota_email
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.schedule import Random, next_attempt
from mailnotify.delivery.signing import generate_secret
from mailnotify.delivery.smtp import EmailSender
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.metrics import Metrics
from mailnotify.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    NotificationSettings,
    table_of,
)
from mailnotify.quota import Level, Metric, Thresholds

logger = logging.getLogger("mailnotify.worker")

LEASE_MS = 60_000
# Which switch each webhook's action type answers to; read at send time.
_WEBHOOK_SWITCH = {
    "email_overquota": "email_overquota_callback",
    "domain_create": "domain_create_callback",
}


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery, with what sending it needs."""

    delivery_id: int
    lease_until_ms: int
    attempts: int
    channel: Channel
    recipient: str | None
    event_id: str
    action_type: str
    body: str
    settings: Mapping[str, Any] | None
    event_created: datetime | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """A job's outcome, or None when the recipient's switch was off at send time."""

    job: Job
    outcome: Outcome | None


class DeliveryWorker:
    """Sends what the outbox holds; ``clock`` and ``rng`` are injectable for tests."""

    def __init__(
        self,
        *,
        engine: Engine,
        webhooks: WebhookSender,
        emails: EmailSender | None,
        sender_address: str,
        thresholds: Thresholds,
        clock: Clock = now_ms,
        rng: Random | None = None,
        batch: int = 256,
        concurrency: int = 64,
        lease_ms: int = LEASE_MS,
        metrics: Metrics | None = None,
    ) -> None:
        self._engine = engine
        self._webhooks = webhooks
        self._emails = emails
        self._from = sender_address
        self._thresholds = thresholds
        self._clock = clock
        self._rng: Random = rng if rng is not None else random.Random()  # noqa: S311 (jitter, not secrets)
        self._batch = batch
        self._lease_ms = lease_ms
        self._limit = asyncio.Semaphore(concurrency)
        self._metrics = metrics

    def claim(self) -> list[Job]:
        """Lease up to one batch of due deliveries (a short write transaction)."""
        deliveries, events = table_of(Delivery), table_of(Event)
        now = self._clock()
        lease = now + self._lease_ms
        due = (
            deliveries.c.status == DeliveryStatus.pending.value,
            deliveries.c.due_ms <= now,
            or_(deliveries.c.lease_until_ms.is_(None), deliveries.c.lease_until_ms < now),
        )
        # An idle worker polls often; a read needs no write lock, so it blocks no writer.
        with reading(self._engine) as session:
            if (
                session.connection().execute(select(deliveries.c.id).where(*due).limit(1)).first()
                is None
            ):
                return []
        with writing(self._engine) as session:
            connection = session.connection()
            query = (
                select(
                    deliveries.c.id,
                    deliveries.c.attempts,
                    deliveries.c.channel,
                    deliveries.c.recipient,
                    deliveries.c.user_id,
                    deliveries.c.event_id,
                    events.c.action_type,
                    events.c.body,
                    events.c.created_at,
                )
                .join(events, events.c.id == deliveries.c.event_id)
                .where(*due)
                .order_by(deliveries.c.due_ms)
                .limit(self._batch)
            )
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(of=deliveries, skip_locked=True)
            rows = connection.execute(query).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(ids))
                .values(lease_until_ms=lease, attempts=deliveries.c.attempts + 1)
            )
            settings = self._settings(connection, {r.user_id for r in rows if r.user_id})
        return [
            Job(
                delivery_id=row.id,
                lease_until_ms=lease,
                attempts=row.attempts + 1,
                channel=Channel(row.channel),
                recipient=row.recipient,
                event_id=row.event_id,
                action_type=row.action_type,
                body=row.body,
                settings=settings.get(row.user_id) if row.user_id else None,
                event_created=row.created_at,
            )
            for row in rows
        ]

    @staticmethod
    def _settings(connection: Any, user_ids: set[int]) -> dict[int, Mapping[str, Any]]:
        table = table_of(NotificationSettings)
        if not user_ids:
            return {}
        rows = connection.execute(select(table).where(table.c.user_id.in_(sorted(user_ids))))
        found: dict[int, dict[str, Any]] = {row["user_id"]: dict(row) for row in rows.mappings()}
        for user_id, row in found.items():
            if row["signing_secret"] is None:
                # Only rows older than migration 0003 lack one. If another writer sets one
                # meanwhile, this UPDATE matches nothing and the re-read returns theirs.
                connection.execute(
                    update(table)
                    .where(table.c.user_id == user_id, table.c.signing_secret.is_(None))
                    .values(signing_secret=generate_secret())
                )
                row["signing_secret"] = connection.execute(
                    select(table.c.signing_secret).where(table.c.user_id == user_id)
                ).scalar_one()
        return dict(found)

    async def send(self, job: Job, deadline: float) -> Result:
        """Send one job, unless its recipient switched the action off.

        Every job ends before ``deadline`` (monotonic), inside the lease its batch holds:
        an outcome recorded after the lease ran out could race another worker's attempt.
        An unexpected error is one failed attempt of this job, not of the batch.
        """
        async with self._limit:
            left = deadline - time.monotonic()
            if left <= 0:
                return Result(job, Outcome(OutcomeKind.RETRY, "the lease ran out before sending"))
            try:
                outcome = await asyncio.wait_for(self._send(job), left)
            except TimeoutError:
                outcome = Outcome(OutcomeKind.RETRY, "no outcome before the lease ran out")
            except Exception as exc:
                logger.exception("delivery %s failed unexpectedly", job.delivery_id)
                outcome = Outcome(OutcomeKind.RETRY, f"unexpected {type(exc).__name__}")
            return Result(job, outcome)

    async def _send(self, job: Job) -> Outcome | None:
        settings = job.settings or {}
        body = job.body.encode()
        if job.channel is Channel.webhook:
            switch = _WEBHOOK_SWITCH.get(job.action_type)
            url = settings.get("notification_url")
            if not switch or not settings.get(switch) or url is None:
                return None
            return await self._webhooks.send(
                url, secret=settings["signing_secret"], event_id=job.event_id, body=body
            )
        address: str | None = settings.get("notification_email")
        if job.channel is Channel.email and (
            not settings.get("email_overquota_email") or address is None
        ):
            return None
        if self._emails is None:
            # Before composing, which costs more than the rest of the attempt.
            return Outcome(OutcomeKind.RETRY, "no SMTP server is configured")
        notice = _notice(json.loads(body), self._thresholds)
        message_id = f"delivery-{job.delivery_id}"
        if job.channel is Channel.email:
            assert address is not None  # checked above
            message = compose_quota_email(
                notice, sender=self._from, recipient=address, message_id=message_id
            )
        else:
            message = compose_mailbox_warning(notice, sender=self._from, message_id=message_id)
        return await self._emails.send(message)

    def record(self, results: Sequence[Result]) -> None:
        """Write the outcomes; a row whose lease was taken over meanwhile is left alone."""
        table = table_of(Delivery)
        now = self._clock()
        moment = datetime.fromtimestamp(now / 1000, UTC)
        rows = []
        counted: list[tuple[Job, str]] = []
        for result in results:
            outcome, job = result.outcome, result.job
            row: dict[str, object] = {
                "b_id": job.delivery_id,
                "b_lease": job.lease_until_ms,
                "lease_until_ms": None,
                "delivered_ms": None,
                "due_ms": now,
                "last_error": None,
            }
            if outcome is None:
                row["status"] = DeliveryStatus.skipped.value
                row["last_error"] = "switched off before sending"
            elif outcome.kind is OutcomeKind.DELIVERED:
                row["status"] = DeliveryStatus.delivered.value
                row["delivered_ms"] = now
            else:
                row["last_error"] = outcome.detail[:500]
                retry = None
                if outcome.kind is OutcomeKind.RETRY:
                    retry = next_attempt(job.attempts, moment, self._rng, outcome.retry_after)
                if retry is None:
                    row["status"] = DeliveryStatus.failed.value
                else:
                    row["status"] = DeliveryStatus.pending.value
                    row["due_ms"] = int(retry.timestamp() * 1000)
            rows.append(row)
            counted.append((job, _outcome_label(row["status"])))
        if not rows:
            return
        with writing(self._engine) as session:
            session.connection().execute(
                update(table)
                .where(
                    and_(
                        table.c.id == bindparam("b_id"),
                        table.c.lease_until_ms == bindparam("b_lease"),
                    )
                )
                .values(
                    {
                        k: bindparam(k)
                        for k in (
                            "status",
                            "lease_until_ms",
                            "delivered_ms",
                            "due_ms",
                            "last_error",
                        )
                    }
                ),
                rows,
            )
        if self._metrics is not None:
            for job, label in counted:
                self._metrics.delivery(job.channel.value, label, event_created=job.event_created)

    async def run_once(self) -> int:
        """Claim, send and record one batch; the number of deliveries handled."""
        claimed_at = time.monotonic()
        jobs = await asyncio.to_thread(self.claim)
        if not jobs:
            return 0
        # Leave a fifth of the lease for recording the outcomes.
        deadline = claimed_at + self._lease_ms / 1000 * 0.8
        async with self._webhooks.connections():
            results = await asyncio.gather(*(self.send(job, deadline) for job in jobs))
        await asyncio.to_thread(self.record, results)
        return len(jobs)

    async def run(self, stop: asyncio.Event, wake: Any = None, idle: float = 0.1) -> None:
        """Work until ``stop`` is set; between empty polls wait ``idle`` s or for ``wake``."""
        # Connections to receivers outlive a batch, so a busy receiver is not handshaken
        # with again for every batch.
        async with self._webhooks.connections():
            await self._loop(stop, wake, idle)

    async def _loop(self, stop: asyncio.Event, wake: Any, idle: float) -> None:
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                logger.exception("delivery batch failed; retrying shortly")
                handled = 0
            if handled == 0:
                if wake is not None:
                    await wake.wait(idle)
                else:
                    await asyncio.sleep(idle)


def _outcome_label(status: object) -> str:
    # A delivery still pending after an attempt is waiting for its retry.
    return "retry" if status == DeliveryStatus.pending.value else str(status)


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


def build_worker(settings: Settings, engine: Engine, **options: Any) -> DeliveryWorker:
    """A worker wired to the configured webhook policy, CA bundle and SMTP server."""
    return DeliveryWorker(
        engine=engine,
        webhooks=WebhookSender.from_settings(settings),
        emails=EmailSender.from_settings(settings) if settings.smtp_url else None,
        sender_address=settings.smtp_from,
        thresholds=Thresholds.from_settings(settings),
        **{"lease_ms": settings.worker_lease_seconds * 1000, **options},
    )
