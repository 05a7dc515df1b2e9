"""What a request needs from the running app, reached without import-time globals."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine

from mailnotify.addresses import AddressPolicy
from mailnotify.config import Settings
from mailnotify.metrics import Metrics
from mailnotify.quota import Thresholds

T = TypeVar("T")


class OutboxSignal:
    """Wakes the embedded delivery worker as soon as a request committed new deliveries."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """New deliveries are waiting."""
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Return when notified, or after ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
        self._event.clear()


@dataclass(frozen=True, slots=True)
class Services:
    """The app's long-lived parts, built by ``create_app``."""

    settings: Settings
    engine: Engine
    address_policy: AddressPolicy
    metrics: Metrics = field(default_factory=Metrics)
    outbox_signal: OutboxSignal = field(default_factory=OutboxSignal)
    # Writes may wait for a lock (another process's SQLite transaction, a PostgreSQL row
    # lock), so they run off the event loop. One thread for SQLite, which has one writer
    # anyway: its busy-wait sleeps would otherwise stretch the tail under contention.
    # Reads stay on the loop: in WAL mode and under MVCC they never wait for a writer.
    writer: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="mailnotify-write")
    )

    async def write(self, work: Callable[[], T]) -> T:
        """Run ``work`` (a write transaction) on the writer threads."""
        return await asyncio.get_running_loop().run_in_executor(self.writer, work)

    @property
    def thresholds(self) -> Thresholds:
        """The quota thresholds the server was configured with."""
        return Thresholds.from_settings(self.settings)


_current: ContextVar[Services] = ContextVar("mailnotify_services")


def bind(services: Services) -> None:
    """Make ``services`` the current request's services."""
    _current.set(services)


def current() -> Services:
    """The services of the app serving the current request."""
    return _current.get()
