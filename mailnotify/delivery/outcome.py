"""What one delivery attempt came to, for the worker to record and schedule on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailnotify.delivery.errors import DeliveryError, ErrorKind


class OutcomeKind(StrEnum):
    """Delivered, worth another attempt, or never going to work."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one attempt. ``detail`` is safe to store and log: it never holds secrets."""

    kind: OutcomeKind
    detail: str
    # The HTTP status or SMTP reply code, when the peer answered.
    status: int | None = None
    # Seconds the receiver asked us to wait (``Retry-After`` on 429 and 503 only).
    retry_after: float | None = None
    # Why the attempt failed, when it ended in an exception rather than an answer.
    error: ErrorKind | None = None
    # The failure as a consumer reads it in the delivery log ("HTTP 500", "timed out
    # after 10 s"); None when delivered.
    phrase: str | None = None
    # The start of the receiver's answer, as text.
    excerpt: str | None = None

    @classmethod
    def from_error(cls, error: DeliveryError, phrase: str | None = None) -> Outcome:
        """The outcome of an attempt that ended in ``error``, told as ``phrase``."""
        kind = OutcomeKind.FAILED if error.permanent else OutcomeKind.RETRY
        return cls(kind, error.detail, status=error.code, error=error.kind, phrase=phrase)
