"""The quota state machine: one per mailbox and metric, as CONTRACT §3 fixes it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailnotify.config import Settings


class Level(enum.StrEnum):
    """Where a mailbox's usage of one metric stands."""

    normal = "normal"
    warning = "warning"
    critical = "critical"


class Metric(enum.StrEnum):
    """What is measured: bytes of storage, or stored messages."""

    space = "space"
    messages = "messages"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Percentages: warning and critical are entered at or above, recovery left below."""

    warning: int = 80
    critical: int = 95
    recovery: int = 75

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        """The thresholds a server was configured with."""
        return cls(settings.quota_warning, settings.quota_critical, settings.quota_recovery)


@dataclass(frozen=True, slots=True)
class Crossing:
    """A transition that emits an event: ``exceeded`` or ``back_to_normal`` at ``crossed``%."""

    event: str
    crossed: int
    level: Level


def _at_least(used: int, assigned: int, percent: int) -> bool:
    # Integer arithmetic, so that 80 % of 8 GiB is exactly 80 %.
    return used * 100 >= percent * assigned


def step(
    level: Level, used: int, assigned: int, thresholds: Thresholds
) -> tuple[Level, Crossing | None]:
    """The next level for a report of ``used`` of ``assigned``, and the event it raises."""
    if assigned <= 0:
        # No limit assigned: nothing to cross.
        return level, None
    if _at_least(used, assigned, thresholds.critical):
        if level is Level.critical:
            return level, None
        return Level.critical, Crossing("exceeded", thresholds.critical, Level.critical)
    if _at_least(used, assigned, thresholds.warning):
        if level is Level.normal:
            return Level.warning, Crossing("exceeded", thresholds.warning, Level.warning)
        # Critical stays critical until usage falls below recovery: no flapping.
        return level, None
    if not _at_least(used, assigned, thresholds.recovery) and level is not Level.normal:
        return Level.normal, Crossing("back_to_normal", thresholds.recovery, Level.normal)
    return level, None
