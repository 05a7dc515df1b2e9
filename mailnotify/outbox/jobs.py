"""The values that pass between the worker's phases: claimed, then dispatched, then recorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailnotify.delivery.outcome import Outcome
from mailnotify.models import Channel


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery, with what sending it needs."""

    delivery_id: int
    lease_until_ms: int
    # Attempts including this one: counted when the job was claimed.
    attempts: int
    channel: Channel
    recipient: str | None
    event_id: str
    action_type: str
    body: str
    # The recipient's notification settings as read at claim time (None: no user).
    settings: Mapping[str, Any] | None
    # Whether the recipient user was disabled at claim time.
    user_disabled: bool = False
    # When its event was raised (epoch ms): the start of its event-to-delivery time.
    created_ms: int | None = None
    # When the job was claimed (epoch ms, the store's clock).
    claimed_ms: int = 0
    # The recipient account (None for a mailbox's own warning).
    user_id: int | None = None
    # Redelivered on request: sent whatever its switch or the endpoint's state.
    forced: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """Nothing was sent, for ``reason``; the delivery ends as ``skipped``."""

    reason: str


@dataclass(frozen=True, slots=True)
class Result:
    """A job and what came of it."""

    job: Job
    verdict: Outcome | Skipped
    # When the attempt started (epoch ms) and how long it took.
    started_ms: int = 0
    duration_ms: int = 0
    # The URL or address the attempt went to, when there was one.
    destination: str | None = None
