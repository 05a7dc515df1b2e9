"""The wake-up signal between the request path and the embedded delivery worker."""

from __future__ import annotations

import asyncio
import contextlib


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
