"""What a request needs from the running app, reached without import-time globals."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine

from mailnotify.addresses import AddressPolicy
from mailnotify.config import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """The app's long-lived parts, built by ``create_app``."""

    settings: Settings
    engine: Engine
    address_policy: AddressPolicy


_current: ContextVar[Services] = ContextVar("mailnotify_services")


def bind(services: Services) -> None:
    """Make ``services`` the current request's services."""
    _current.set(services)


def current() -> Services:
    """The services of the app serving the current request."""
    return _current.get()
