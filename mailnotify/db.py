"""Engines and transactions for SQLite (embedded, WAL) and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlmodel import Session, create_engine

_BEGIN = "mailnotify_begin"
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and explicit transaction control."""
    if not url.startswith("sqlite"):
        # hide_parameters: a failed statement's error message must not carry its values
        # (tokens, signing secrets) into the logs.
        return create_engine(
            url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
        )
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # The driver's own implicit BEGIN would defeat BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock before it reads, so read-modify-write is atomic.
        mode = connection.get_execution_options().get(_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for reads; the transaction ends with the block."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the write lock (SQLite) and commits at the end."""
    with Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={_BEGIN: "IMMEDIATE"})
        yield session
        session.commit()


@contextmanager
def looking_up(engine: Engine) -> Iterator[Connection]:
    """A bare connection for Core reads: no ORM session to build and tear down."""
    with engine.connect() as connection:
        yield connection


@contextmanager
def changing(engine: Engine) -> Iterator[Connection]:
    """A bare connection holding the write lock (SQLite) that commits at the end."""
    with engine.connect() as connection:
        connection.execution_options(**{_BEGIN: "IMMEDIATE"})
        with connection.begin():
            yield connection


class Database:
    """The request path's gateway to the database: every read and write goes through here."""

    def __init__(self, engine: Engine, *, writers: int) -> None:
        self.engine = engine
        # Writes may wait for a lock (another process's SQLite transaction, a PostgreSQL
        # row lock), so they run off the event loop. One thread for SQLite, which has one
        # writer anyway: its busy-wait sleeps would otherwise stretch the tail.
        self._writers = ThreadPoolExecutor(writers, thread_name_prefix="mailnotify-write")

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a connection for reads."""
        with looking_up(self.engine) as connection:
            return work(connection)

    async def change(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a Core write transaction, on the writer threads."""

        def run() -> T:
            with changing(self.engine) as connection:
                return work(connection)

        return await self._on_writer(run)

    async def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in an ORM write transaction, on the writer threads."""

        def run() -> T:
            with writing(self.engine) as session:
                return work(session)

        return await self._on_writer(run)

    async def _on_writer(self, run: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writers, run)
