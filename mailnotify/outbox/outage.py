"""A database outage, told in two log lines, with the back-off between tries."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# What a worker sees while the database cannot be reached (any driver error counts:
# the first line of its message is logged once, so a bug here is not hidden either).
DATABASE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout)

FIRST_PAUSE = 0.1
MAX_PAUSE = 5.0


class Outage:
    """Counts failed tries in a row: one line when they start, one when they end."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self.failures = 0

    def failed(self, exc: Exception) -> float:
        """Note a failed try; the seconds to wait before the next (doubling, capped)."""
        self.failures += 1
        if self.failures == 1:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            self._logger.warning(
                "database unreachable; backing off until it answers: %s",
                first_line,
                extra={"error": type(exc).__name__},
            )
        return float(min(FIRST_PAUSE * 2 ** min(self.failures - 1, 30), MAX_PAUSE))

    def succeeded(self) -> None:
        """Note a successful try; ends an outage, if there was one."""
        if self.failures:
            self._logger.warning(
                "database reachable again after %d failed tries",
                self.failures,
                extra={"failed_tries": self.failures},
            )
            self.failures = 0
