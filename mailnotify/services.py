"""What a request needs from the running app, reached without import-time globals."""

from __future__ import annotations

import asyncio
import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import Engine

from mailnotify.addresses import AddressPolicy
from mailnotify.config import Settings
from mailnotify.quota import Thresholds


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
    outbox_signal: OutboxSignal = field(default_factory=OutboxSignal)

    @property
    def thresholds(self) -> Thresholds:
        """The quota thresholds the server was configured with."""
        s = self.settings
        return Thresholds(
            warning=s.quota_warning, critical=s.quota_critical, recovery=s.quota_recovery
        )


_current: ContextVar[Services] = ContextVar("mailnotify_services")


def bind(services: Services) -> None:
    """Make ``services`` the current request's services."""
    _current.set(services)


def current() -> Services:
    """The services of the app serving the current request."""
    return _current.get()
