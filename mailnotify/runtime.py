"""Everything a process needs, built once from ``Settings`` and passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from mailnotify.addresses import AddressPolicy
from mailnotify.config import Settings
from mailnotify.db import Database, make_engine
from mailnotify.quota import Thresholds
from mailnotify.services import OutboxSignal


@dataclass(frozen=True, slots=True)
class Runtime:
    """The process's long-lived parts: handed to handlers, middleware and the worker."""

    settings: Settings
    engine: Engine
    database: Database
    address_policy: AddressPolicy
    thresholds: Thresholds
    outbox_signal: OutboxSignal


def build_runtime(settings: Settings, *, engine: Engine | None = None) -> Runtime:
    """The runtime for ``settings``; pass ``engine`` to share one (tests, the worker)."""
    engine = engine if engine is not None else make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        engine=engine,
        database=Database(engine, writers=1 if settings.is_sqlite else 8),
        address_policy=AddressPolicy.from_networks(settings.allow_networks),
        thresholds=Thresholds.from_settings(settings),
        outbox_signal=OutboxSignal(),
    )
