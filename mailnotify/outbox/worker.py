"""The delivery worker: the loop that claims due deliveries, sends them, records the outcome.

Phases, each in its own module: ``store.claim`` (a leased ``Job``) -> ``dispatch`` (an
``Outcome`` or ``Skipped``) -> ``store.record``. Here: leases, concurrency, the loop.

Every send runs as its own task and is recorded as soon as it ends (the results that end
while a write is under way go in the next one), so a slow receiver delays nobody's
record but its own. The loop claims again whenever slots are free; a destination (one
webhook host, or the SMTP server) gets at most ``per_destination`` of them. Jobs claimed
beyond that wait in the worker for a slot of their destination (a share's worth at
most; they count against ``concurrency``, so a slow destination holds at most two
shares of it) and the rest are given back unsent for a moment. An idle worker sleeps until the
next delivery is due, a wake-up, or ``idle_cap`` seconds (a missed wake-up costs no
more).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Coroutine
from typing import Any, Protocol

from sqlalchemy import Engine

from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.webhooks import WebhookSender
from mailnotify.outage import Outage, database_unavailable
from mailnotify.outbox import wake as wakeup
from mailnotify.outbox.dispatch import Dispatcher
from mailnotify.outbox.jobs import Job, Result, Skipped
from mailnotify.outbox.store import Store

logger = logging.getLogger("mailnotify.worker")

# How long a job given back beyond its destination's share waits before it is due again:
# long enough for the next claims to take other deliveries first, short enough that the
# end of a backlog is not left waiting for it.
REQUEUE_DELAY_MS = 500
# A send must end, or be recorded as a retry, within this part of its lease: the rest
# is left for writing the outcome.
LEASE_SHARE = 0.8
# After a claim found less than it asked for, while rows held by others are due.
_BUSY_PAUSE = 0.1
# Retention: how often the worker prunes, and at most how many batches a pass deletes
# (each its own short transaction), so that sending is never held up for long.
PRUNE_EVERY_SECONDS = 300.0
# How long the drain may take to record what it ended, past its sends' own time.
RECORD_SECONDS = 5.0
PRUNE_BATCHES = 20
PRUNE_BATCH = 500


class Wake(Protocol):
    """What wakes an idle worker: ``notify`` from a writer, ``wait`` in the loop."""

    def notify(self) -> None:
        """New deliveries are waiting."""
        ...

    async def wait(self, timeout: float) -> None:
        """Return when woken, or after ``timeout`` seconds."""
        ...


class DeliveryWorker:
    """Sends what the outbox holds: ``concurrency`` sends at a time at most."""

    def __init__(
        self,
        *,
        store: Store,
        dispatcher: Dispatcher,
        webhooks: WebhookSender,
        batch: int = 256,
        concurrency: int = 128,
        per_destination: int = 8,
        idle_cap: float = 10.0,
        listen_url: str | None = None,
        retention_ms: int | None = None,
        drain_seconds: float = 3.0,
    ) -> None:
        self.store = store
        self._dispatcher = dispatcher
        self._webhooks = webhooks
        self._batch = batch
        self._concurrency = concurrency
        self._per_destination = per_destination
        self._idle_cap = idle_cap
        self._listen_url = listen_url
        self._retention_ms = retention_ms
        self._drain_seconds = drain_seconds
        self._next_prune = 0.0
        self._inflight: dict[asyncio.Task[None], Job] = {}
        # Claimed jobs waiting for a slot of their destination, and how many.
        self._waiting: dict[str, deque[tuple[Job, float]]] = {}
        self._held = 0
        self._stopping = False
        # Whether the last claim was full (then the next one goes without asking first).
        self._claiming = False
        # A job waiting longer than this is given back rather than started with too
        # little of its lease left.
        self._min_left = self.store.lease_ms / 1000 * LEASE_SHARE / 2
        self._returns: set[asyncio.Task[None]] = set()
        self._busy: Counter[str] = Counter()
        self._finished: list[Result] = []
        self._recorder: asyncio.Task[None] | None = None
        self._poke = asyncio.Event()
        self._outage = Outage(logger)

    async def send(self, job: Job, deadline: float) -> Result:
        """Dispatch one job before ``deadline`` (monotonic), inside the lease it holds.

        An outcome recorded after the lease ran out could race another worker's attempt.
        An unexpected error is one failed attempt of this job, not of the batch.
        """
        started_ms, started = self.store.now(), time.monotonic()
        left = deadline - started
        verdict: Outcome | Skipped
        if left <= 0:
            verdict = Outcome(
                OutcomeKind.RETRY, "the lease ran out before sending", phrase="not sent in time"
            )
        else:
            try:
                verdict = await asyncio.wait_for(self._dispatcher.dispatch(job), left)
            except TimeoutError:
                verdict = Outcome(
                    OutcomeKind.RETRY,
                    "no outcome before the lease ran out",
                    phrase=f"timed out after {left:.0f} s",
                )
            except Exception as exc:
                logger.exception("delivery %s failed unexpectedly", job.delivery_id)
                verdict = Outcome(
                    OutcomeKind.RETRY, f"unexpected {type(exc).__name__}", phrase="internal error"
                )
        return Result(
            job,
            verdict,
            started_ms=started_ms,
            duration_ms=int((time.monotonic() - started) * 1000),
            destination=self._dispatcher.target(job),
        )

    async def run_once(self) -> int:
        """Claim up to one batch, send it and record every outcome; how many were claimed."""
        async with self._webhooks.connections():
            jobs = await self._claim(self._batch)
            await self._settle()
        return len(jobs)

    async def run(self, stop: asyncio.Event, wake: Wake | None = None) -> None:
        """Work until ``stop`` is set; then drain: no new claims, and the sends in flight
        end within ``drain_seconds`` or are given back unsent (their leases released).
        """
        signal = wake if wake is not None else wakeup.OutboxSignal()
        listener = None
        if self._listen_url is not None:
            listener = asyncio.create_task(wakeup.listen(self._listen_url, signal.notify))
        # Connections to receivers outlive a batch, so a busy receiver is not handshaken
        # with again for every batch.
        try:
            async with self._webhooks.connections():
                try:
                    await self._loop(stop, signal)
                finally:
                    await self._drain_in_time()
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _loop(self, stop: asyncio.Event, wake: Wake) -> None:
        while not stop.is_set():
            self._poke.clear()
            try:
                pause = await _unless_stopped(self._step(), stop, self._drain_seconds)
                if pause is None:
                    break
                self._outage.succeeded()
            except Exception as exc:
                if database_unavailable(exc):
                    pause = self._outage.failed(exc)
                else:
                    logger.exception("the delivery loop failed; trying again shortly")
                    pause = 1.0
            if pause > 0:
                await self._sleep(pause, stop, wake)

    async def prune(self) -> int:
        """Delete what is older than the retention, in small batches; how many went."""
        if self._retention_ms is None:
            return 0
        deleted = 0
        for _ in range(PRUNE_BATCHES):
            older_than = self.store.now() - self._retention_ms
            gone = await asyncio.to_thread(
                self.store.prune, older_than_ms=older_than, limit=PRUNE_BATCH
            )
            deleted += gone
            if gone < PRUNE_BATCH:
                break
        return deleted

    async def _step(self) -> float:
        """Claim what is due and free to start; how long to sleep before the next step."""
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
            await self.prune()
        free = self._concurrency - len(self._inflight) - self._held
        if free <= 0:
            # A send that ends pokes the loop.
            return self._idle_cap
        limit = min(self._batch, free)
        if not self._claiming:
            # Idle until now: one cheap read says whether (and when) there is work.
            due = await asyncio.to_thread(self.store.next_due)
            if due is None:
                return self._idle_cap
            wait_ms = due - self.store.now()
            if wait_ms > 0:
                return min(wait_ms / 1000, self._idle_cap)
        jobs = await self._claim(limit)
        # A full claim: there may be more, claimed next without asking first.
        self._claiming = len(jobs) == limit
        if self._claiming:
            return 0
        # Fewer than asked: nothing more is due, or another worker is claiming it.
        return _BUSY_PAUSE

    async def _sleep(self, seconds: float, stop: asyncio.Event, wake: Wake) -> None:
        waiters = [
            asyncio.create_task(self._poke.wait()),
            asyncio.create_task(stop.wait()),
            asyncio.create_task(wake.wait(seconds)),
        ]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _claim(self, limit: int) -> list[Job]:
        """Claim up to ``limit`` jobs and start those whose destination has room.

        A job whose destination is at its share waits here for a slot of it (up to a
        share's worth of them per destination); beyond that it is given back.
        """
        claimed_at = time.monotonic()
        jobs = await asyncio.to_thread(self.store.claim, limit)
        deadline = claimed_at + self.store.lease_ms / 1000 * LEASE_SHARE
        over = []
        for job in jobs:
            destination = self._dispatcher.destination(job)
            if destination is not None and self._busy[destination] >= self._per_destination:
                waiting = self._waiting.setdefault(destination, deque())
                if len(waiting) < self._per_destination and not self._stopping:
                    waiting.append((job, deadline))
                    self._held += 1
                else:
                    over.append(job)
                continue
            self._start(job, destination, deadline)
        if over:
            await asyncio.to_thread(self.store.requeue, over, delay_ms=REQUEUE_DELAY_MS)
        return jobs

    def _start(self, job: Job, destination: str | None, deadline: float) -> None:
        if destination is not None:
            self._busy[destination] += 1
        task = asyncio.create_task(self._run_job(job, destination, deadline))
        self._inflight[task] = job
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)

    async def _run_job(self, job: Job, destination: str | None, deadline: float) -> None:
        try:
            result = await self.send(job, deadline)
        finally:
            if destination is not None:
                self._busy[destination] -= 1
                if not self._busy[destination]:
                    del self._busy[destination]
                self._next_waiting(destination)
        self._finished.append(result)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record())
        # A free slot: the loop may be waiting for one.
        self._poke.set()

    def _next_waiting(self, destination: str) -> None:
        """Start the next job waiting for ``destination``, if its lease leaves time to send."""
        waiting = self._waiting.get(destination)
        stale = []
        while waiting and not self._stopping:
            job, deadline = waiting.popleft()
            self._held -= 1
            if deadline - time.monotonic() >= self._min_left:
                self._start(job, destination, deadline)
                break
            stale.append(job)
        if not waiting:
            self._waiting.pop(destination, None)
        if stale:
            self._give_back(stale)

    def _give_back(self, jobs: list[Job]) -> None:
        """Give ``jobs`` back unsent, now, in a task of its own (their leases would end anyway)."""
        task = asyncio.create_task(self._requeue(jobs))
        self._returns.add(task)
        task.add_done_callback(self._returns.discard)

    async def _requeue(self, jobs: list[Job]) -> None:
        try:
            await asyncio.to_thread(self.store.requeue, jobs, delay_ms=0)
        except Exception as exc:
            if not database_unavailable(exc):
                logger.exception("giving back %d deliveries failed", len(jobs))
                return
            # Their leases run out instead.
            self._outage.failed(exc)

    async def _record(self) -> None:
        """Write what has ended, in as few transactions as the database keeps up with."""
        while self._finished:
            results, self._finished = self._finished, []
            try:
                earliest = await asyncio.to_thread(self.store.record, results)
                self._outage.succeeded()
            except Exception as exc:
                if database_unavailable(exc):
                    # Their leases run out and they are sent again: at least once.
                    self._outage.failed(exc)
                else:
                    logger.exception("recording %d outcomes failed", len(results))
                continue
            if earliest is not None and earliest - self.store.now() < self._idle_cap * 1000:
                self._poke.set()

    async def _drain_in_time(self) -> None:
        # Recording the drain needs the database: one that does not answer must not hold
        # the stop (the leases of what was not recorded run out instead).
        try:
            await asyncio.wait_for(self._drain(), self._drain_seconds + RECORD_SECONDS)
        except TimeoutError:
            logger.warning("stopped before the drain was recorded; its leases will run out")

    async def _drain(self) -> None:
        self._stopping = True
        held = [job for waiting in self._waiting.values() for job, _ in waiting]
        self._waiting.clear()
        self._held = 0
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=self._drain_seconds)
        unfinished = dict(self._inflight)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        if self._returns:
            await asyncio.gather(*self._returns, return_exceptions=True)
        back = [*held, *unfinished.values()]
        if back:
            try:
                await asyncio.to_thread(self.store.requeue, back, delay_ms=0)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                # Their leases run out instead.
                self._outage.failed(exc)
        await self._settle()

    async def _settle(self) -> None:
        """Wait until every send in flight has ended and been recorded."""
        while (
            self._inflight
            or self._returns
            or (self._recorder is not None and not self._recorder.done())
        ):
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)
            if self._returns:
                await asyncio.gather(*self._returns, return_exceptions=True)
            if self._recorder is not None:
                await self._recorder


async def _unless_stopped(
    step: Coroutine[Any, Any, float], stop: asyncio.Event, grace: float
) -> float | None:
    """``step``'s result, or None if it has not ended ``grace`` seconds after ``stop``.

    A step abandoned so (a call to a database that does not answer must not hold the
    stop) may have claimed jobs it never starts: their leases run out.
    """
    task = asyncio.ensure_future(step)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            await asyncio.wait({task}, timeout=grace)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def listen_url(engine: Engine) -> str | None:
    """The libpq URL a worker listens for wake-ups on, for PostgreSQL; None elsewhere."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
