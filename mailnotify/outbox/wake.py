"""The wake-up seam: new deliveries are waiting, so an idle worker looks now.

In one process an ``OutboxSignal`` carries it. Across processes on PostgreSQL, the
writer of outbox rows sends ``NOTIFY`` in its own transaction (delivered at commit, so
never before the rows are visible) and each worker ``LISTEN``s on a connection of its
own, which feeds its signal. SQLite has no such channel: workers there find new rows by
their idle poll, which the loop caps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import Connection

CHANNEL = "mailnotify_outbox"
# Reconnecting after the listening connection broke: first and longest wait, in seconds.
_RETRY_FIRST, _RETRY_MAX = 0.5, 5.0

logger = logging.getLogger("mailnotify.worker")


class OutboxSignal:
    """Wakes a delivery worker as soon as new deliveries were committed."""

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


def notify_in(connection: Connection) -> None:
    """Tell listening workers, when this transaction commits, that deliveries wait."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"NOTIFY {CHANNEL}")


async def listen(conninfo: str, notify: Callable[[], None]) -> None:
    """Call ``notify`` on every ``NOTIFY`` of the channel, until cancelled.

    A broken connection is made again, with a growing pause; each new connection also
    notifies once, for whatever was committed while nobody listened.
    """
    import psycopg  # only workers on PostgreSQL need it

    pause = _RETRY_FIRST
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                conninfo, autocommit=True
            ) as connection:
                await connection.execute(f"LISTEN {CHANNEL}")
                pause = _RETRY_FIRST
                notify()
                async for _ in connection.notifies():
                    notify()
        except (psycopg.Error, OSError) as exc:
            # The worker's own loop reports an outage; this stays quiet.
            logger.debug("outbox listener: %s", exc)
        await asyncio.sleep(pause)
        pause = min(pause * 2, _RETRY_MAX)
