"""Everything a process needs, built once from ``Settings`` and passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from mailnotify.addresses import AddressPolicy
from mailnotify.config import Settings
from mailnotify.db import Database, make_engine
from mailnotify.metrics import Metrics
from mailnotify.outbox.wake import OutboxSignal
from mailnotify.quota import Thresholds


@dataclass(frozen=True, slots=True)
class Runtime:
    """The process's long-lived parts: handed to handlers, middleware and the worker."""

    settings: Settings
    engine: Engine
    database: Database
    address_policy: AddressPolicy
    thresholds: Thresholds
    outbox_signal: OutboxSignal
    metrics: Metrics


def build_runtime(settings: Settings, *, engine: Engine | None = None) -> Runtime:
    """The runtime for ``settings``; pass ``engine`` to share one (tests, the worker)."""
    if engine is None:
        engine = make_engine(settings.database_url, timeout=settings.database_timeout)
    database = Database(
        engine,
        writers=1 if settings.is_sqlite else 8,
        readers=8,
        timeout=settings.database_timeout,
        short_on_loop=settings.server_processes > 1,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        database=database,
        address_policy=AddressPolicy.from_networks(settings.allow_networks),
        thresholds=Thresholds.from_settings(settings),
        outbox_signal=OutboxSignal(),
        metrics=Metrics(),
    )
