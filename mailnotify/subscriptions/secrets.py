"""Signing secrets: made, rotated with an overlap, and the set that signs a webhook now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mailnotify.delivery import signing

# CONTRACT §7: the previous secret keeps signing for 0 to 7 days, one day by default.
MAX_OVERLAP_SECONDS = 604_800
DEFAULT_OVERLAP_SECONDS = 86_400


def create() -> str:
    """A new signing secret in the ``whsec_`` form."""
    return signing.generate_secret()


@dataclass(frozen=True, slots=True)
class SigningSecrets:
    """An account's current secret and the one a rotation replaced, with its expiry."""

    current: str
    previous: str | None = None
    previous_expires_ms: int | None = None

    def valid(self, now_ms: int) -> tuple[str, ...]:
        """The secrets that sign a webhook sent at ``now_ms``: the current one first."""
        if (
            self.previous is not None
            and self.previous_expires_ms is not None
            and now_ms < self.previous_expires_ms
        ):
            return (self.current, self.previous)
        return (self.current,)

    def previous_expiry(self, now_ms: int) -> int | None:
        """When the previous secret stops signing, or None if it no longer does."""
        return None if len(self.valid(now_ms)) == 1 else self.previous_expires_ms

    def rotated(self, *, now_ms: int, overlap_seconds: int) -> SigningSecrets:
        """A new current secret; the old one signs for ``overlap_seconds`` more."""
        if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
            raise ValueError(f"overlap must be 0 to {MAX_OVERLAP_SECONDS} seconds")
        if overlap_seconds == 0:
            return SigningSecrets(create())
        return SigningSecrets(create(), self.current, now_ms + overlap_seconds * 1000)


def headers(valid: Sequence[str], msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers, signed with every secret in ``valid`` (in order).

    Verifiers accept a message when any one of the space-separated signatures matches, so
    a receiver still holding the previous secret keeps working during the overlap.
    """
    if not valid:
        raise ValueError("at least one secret is needed")
    first = signing.headers(valid[0], msg_id, body, now)
    timestamp = int(first["webhook-timestamp"])
    more = [signing.sign(secret, msg_id, timestamp, body) for secret in valid[1:]]
    first["webhook-signature"] = " ".join([first["webhook-signature"], *more])
    return first
