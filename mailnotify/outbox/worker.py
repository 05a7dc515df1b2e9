"""The delivery worker: the loop that claims due deliveries, sends them, records the outcome.

Phases, each in its own module: ``store.claim`` (a leased ``Job``) -> ``dispatch`` (an
``Outcome`` or ``Skipped``) -> ``store.record``. Here: leases, concurrency, the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.outbox.dispatch import Dispatcher
from mailnotify.outbox.jobs import Job, Result
from mailnotify.outbox.store import Store

logger = logging.getLogger("mailnotify.worker")


class Wake(Protocol):
    """Something an idle worker waits on: new deliveries, or ``timeout`` seconds."""

    async def wait(self, timeout: float) -> None:
        """Return when woken, or after ``timeout`` seconds."""
        ...


class DeliveryWorker:
    """Sends what the outbox holds, ``concurrency`` sends at a time."""

    def __init__(
        self,
        *,
        store: Store,
        dispatcher: Dispatcher,
        webhooks: WebhookSender,
        batch: int = 256,
        concurrency: int = 64,
    ) -> None:
        self.store = store
        self._dispatcher = dispatcher
        self._webhooks = webhooks
        self._batch = batch
        self._limit = asyncio.Semaphore(concurrency)

    async def send(self, job: Job, deadline: float) -> Result:
        """Dispatch one job before ``deadline`` (monotonic), inside the lease its batch holds.

        An outcome recorded after the lease ran out could race another worker's attempt.
        An unexpected error is one failed attempt of this job, not of the batch.
        """
        async with self._limit:
            left = deadline - time.monotonic()
            if left <= 0:
                return Result(job, Outcome(OutcomeKind.RETRY, "the lease ran out before sending"))
            try:
                verdict = await asyncio.wait_for(self._dispatcher.dispatch(job), left)
            except TimeoutError:
                verdict = Outcome(OutcomeKind.RETRY, "no outcome before the lease ran out")
            except Exception as exc:
                logger.exception("delivery %s failed unexpectedly", job.delivery_id)
                verdict = Outcome(OutcomeKind.RETRY, f"unexpected {type(exc).__name__}")
            return Result(job, verdict)

    async def run_once(self) -> int:
        """Claim, send and record one batch; the number of deliveries handled."""
        claimed_at = time.monotonic()
        jobs = await asyncio.to_thread(self.store.claim, self._batch)
        if not jobs:
            return 0
        # Leave a fifth of the lease for recording the outcomes.
        deadline = claimed_at + self.store.lease_ms / 1000 * 0.8
        async with self._webhooks.connections():
            results = await asyncio.gather(*(self.send(job, deadline) for job in jobs))
        await asyncio.to_thread(self.store.record, results)
        return len(jobs)

    async def run(self, stop: asyncio.Event, wake: Wake | None = None, idle: float = 0.1) -> None:
        """Work until ``stop`` is set; between empty polls wait ``idle`` s or for ``wake``."""
        # Connections to receivers outlive a batch, so a busy receiver is not handshaken
        # with again for every batch.
        async with self._webhooks.connections():
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
