"""Where the engine benchmark keeps its fresh databases: SQLite files or a local PostgreSQL.

The PostgreSQL server is a throwaway cluster started like the tests' own (``tests/pg.py``:
loopback, ``fsync=off``), one database per measure and run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

BACKENDS = ("sqlite", "postgresql")


class Databases:
    """Fresh databases of one backend, by name, and counts read from them."""

    def __init__(self, backend: str, work: Path, server: str | None = None) -> None:
        self.backend = backend
        self._work = work
        self._server = server

    def create(self, name: str) -> str:
        """The URL of a new, empty database ``name``."""
        if self._server is None:
            return f"sqlite:///{self._work / name}.db"
        admin = create_engine(f"{self._server}/postgres", isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                connection.execute(text(f"CREATE DATABASE {name}"))
        finally:
            admin.dispose()
        return f"{self._server}/{name}"

    def count(self, url: str, sql: str) -> int:
        """The single integer ``sql`` returns, read without disturbing the writers."""
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
                return int(connection.execute(sql).fetchone()[0])
        import psycopg  # only the PostgreSQL mode needs it

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
            row = connection.execute(sql).fetchone()
            assert row is not None
            return int(row[0])

    def remove(self, url: str) -> None:
        """Delete the database at ``url``."""
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        name = url.rsplit("/", 1)[1]
        admin = create_engine(f"{self._server}/postgres", isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        finally:
            admin.dispose()

    def describe(self) -> str:
        """The backend, for the results' heading."""
        if self._server is None:
            return "SQLite (WAL)"
        return "PostgreSQL (local cluster, fsync off, as in tests/pg.py)"


@contextmanager
def databases(backend: str, work: Path) -> Iterator[Databases]:
    """Databases of ``backend`` for the block (a PostgreSQL server runs for it)."""
    if backend == "sqlite":
        yield Databases(backend, work)
        return
    from tests.pg import postgres_server  # the tests' own throwaway cluster

    with ExitStack() as stack:
        server = stack.enter_context(postgres_server())
        yield Databases(backend, work, server)
