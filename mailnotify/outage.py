"""A database outage: what counts as one, and how it is told (two log lines, a back-off)."""

from __future__ import annotations

import logging
import sqlite3
import time

from sqlalchemy import exc

FIRST_PAUSE = 0.1
MAX_PAUSE = 5.0

# SQLite reports a missing table and a locked or unreadable file alike as
# OperationalError; its result codes tell them apart.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


class DatabaseUnavailable(Exception):
    """The database did not answer within the request path's deadline."""


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached (not that a query is wrong)."""
    if isinstance(error, DatabaseUnavailable | exc.TimeoutError | exc.DisconnectionError):
        return True  # our deadline, a pool checkout, a failed ping
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):
        name = str(getattr(error.orig, "sqlite_errorname", ""))
        return name.startswith(_SQLITE_UNAVAILABLE)
    # psycopg: connection failures, and statement or lock timeouts (QueryCanceled).
    return isinstance(error, exc.OperationalError | exc.InterfaceError)


class Outage:
    """Counts failed calls in a row: one line when they start, one when they end."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._since: float | None = None
        self.failures = 0

    @property
    def down(self) -> bool:
        """Whether the last call failed because the database was unavailable."""
        return self._since is not None

    def failed(self, error: BaseException) -> float:
        """Note a failed call; the seconds to wait before the next (doubling, capped)."""
        self.failures += 1
        if self._since is None:
            self._since = time.monotonic()
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            self._logger.error(
                "database unavailable",
                extra={"reason": reason[:300], "error": type(error).__name__},
            )
        return float(min(FIRST_PAUSE * 2 ** min(self.failures - 1, 30), MAX_PAUSE))

    def succeeded(self) -> None:
        """Note a call that reached the database; ends an outage, if there was one."""
        if self._since is None:
            return
        self._logger.warning(
            "database available again",
            extra={
                "failed_calls": self.failures,
                "down_seconds": round(time.monotonic() - self._since, 3),
            },
        )
        self._since = None
        self.failures = 0
