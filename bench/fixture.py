"""The benchmark's database: migrated SQLite with one customer per connection."""

from __future__ import annotations

from pathlib import Path

from mailnotify import accounts, migrate
from mailnotify.db import make_engine, writing
from mailnotify.models import Role


def prepare_database(directory: Path, customers: int) -> tuple[str, list[str]]:
    """A fresh SQLite database in ``directory``: its URL and one token per customer."""
    url = f"sqlite:///{directory / 'bench.db'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        tokens = []
        for number in range(customers):
            with writing(engine) as session:
                created = accounts.create_user(
                    session=session, role=Role.customer, name=f"Bench customer {number}"
                )
            tokens.append(created.token)
    finally:
        engine.dispose()
    return url, tokens
