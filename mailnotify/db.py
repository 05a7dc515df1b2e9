"""Engines, transactions, and the request path's gateway to the database."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import Connection
from sqlmodel import Session, create_engine

from mailnotify.outage import DatabaseUnavailable, Outage, database_unavailable
from mailnotify.write_lock import WriteLock

_BEGIN = "mailnotify_begin"
T = TypeVar("T")
logger = logging.getLogger("mailnotify.db")

_BUSY_TIMEOUT_MS = 30000
# A short write that finds the lock taken waits for it this long on the loop, in naps
# (seconds): another process's short write holds it for less, and a hop to a thread and
# back costs more CPU than the wait. Past that (a long writer such as ingest, or one that
# does not take the lock) it queues on the writer thread, which waits for the lock.
_SHORT_WAIT = 0.002
_SHORT_NAP = 0.00005
_write_locks: weakref.WeakKeyDictionary[Engine, WriteLock] = weakref.WeakKeyDictionary()

# libpq's smallest useful connect timeout is 2 s.
_MIN_CONNECT_TIMEOUT = 2


def make_engine(url: str, *, timeout: float | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL and explicit transaction control.

    With ``timeout`` (seconds), PostgreSQL connections, pool checkouts, statements and
    lock waits give up after it; without, only connecting does (bulk work may be long).
    """
    if not url.startswith("sqlite"):
        connect_timeout = max(_MIN_CONNECT_TIMEOUT, math.ceil(timeout or 10))
        connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
        pool_args: dict[str, Any] = {}
        if timeout is not None:
            limit = int(timeout * 1000)
            connect_args["options"] = f"-c statement_timeout={limit} -c lock_timeout={limit}"
            pool_args["pool_timeout"] = timeout
        # hide_parameters: a failed statement's error message must not carry its values
        # (tokens, signing secrets) into the logs.
        return create_engine(
            url,
            pool_size=10,
            max_overflow=20,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args=connect_args,
            **pool_args,
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
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock before it reads, so read-modify-write is atomic.
        mode = connection.get_execution_options().get(_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        _write_locks[engine] = WriteLock(os.path.abspath(database) + ".write-lock")
    return engine


@contextmanager
def write_locked(engine: Engine) -> Iterator[None]:
    """Hold ``engine``'s cross-process write lock for the block (SQLite files only)."""
    lock = _write_locks.get(engine)
    if lock is None:
        yield
        return
    with lock.held():
        yield


def change_now(engine: Engine, work: Callable[[Connection], T]) -> tuple[bool, T | None]:
    """Run ``work`` as :func:`changing` would, if no writer holds the database right now.

    ``(False, None)`` when one does: nothing ran, and nothing waited (no ``flock`` wait,
    no busy handler). Only SQLite files have the lock this needs; elsewhere it never runs.
    """
    lock = _write_locks.get(engine)
    if lock is None:
        return False, None
    with lock.taken_now() as taken:
        if not taken:
            return False, None
        with engine.connect() as connection, _never_waiting(connection):
            connection.execution_options(**{_BEGIN: "IMMEDIATE"})
            try:
                transaction = connection.begin()
            except exc.OperationalError as error:
                # A writer that does not take our lock (the sqlite3 shell) holds SQLite's.
                if _busy(error):
                    return False, None
                raise
            with transaction:
                return True, work(connection)


def read_now(engine: Engine, work: Callable[[Connection], T]) -> tuple[bool, T | None]:
    """Run ``work`` as :func:`looking_up` would, if it need not wait for any lock.

    A SQLite reader in WAL mode waits for nobody, but for rare moments (another
    connection recovering the WAL, say): then ``(False, None)``, having waited for
    nothing; ``work`` must be a read, which may then run again. Only SQLite files.
    """
    if engine not in _write_locks:
        return False, None
    with engine.connect() as connection, _never_waiting(connection):
        try:
            return True, work(connection)
        except exc.OperationalError as error:
            if _busy(error):
                return False, None
            raise


def _change_soon(engine: Engine, work: Callable[[Connection], T]) -> tuple[bool, T | None]:
    """:func:`change_now`, trying again in naps for up to ``_SHORT_WAIT``."""
    ran, result = change_now(engine, work)
    deadline = time.monotonic() + _SHORT_WAIT
    while not ran and time.monotonic() < deadline:
        time.sleep(_SHORT_NAP)
        ran, result = change_now(engine, work)
    return ran, result


@contextmanager
def _never_waiting(connection: Connection) -> Iterator[None]:
    """Turn SQLite's busy handler off for the block: a lock held elsewhere is SQLITE_BUSY."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()


def _busy(error: exc.OperationalError) -> bool:
    return str(getattr(error.orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY")


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for reads; the transaction ends with the block."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the write lock (SQLite) and commits at the end."""
    with write_locked(engine), Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={_BEGIN: "IMMEDIATE"})
        yield session
        session.commit()


def connection_of(db: Session | Connection) -> Connection:
    """The connection under ``db``, for Core statements given a session or a connection."""
    return db.connection() if isinstance(db, Session) else db


@contextmanager
def looking_up(engine: Engine) -> Iterator[Connection]:
    """A bare connection for Core reads: no ORM session to build and tear down."""
    with engine.connect() as connection:
        yield connection


@contextmanager
def changing(engine: Engine) -> Iterator[Connection]:
    """A bare connection holding the write lock (SQLite) that commits at the end."""
    with write_locked(engine), engine.connect() as connection:
        connection.execution_options(**{_BEGIN: "IMMEDIATE"})
        with connection.begin():
            yield connection


class Database:
    """The request path's gateway: reads and writes run on threads, with a deadline.

    The event loop does not wait on the database: a hung server costs a request its
    deadline (then 503), never the other requests. A call abandoned at its deadline
    before it began never begins. The one exception, with ``short_on_loop``, is short
    work on a SQLite file (``short=True``), which runs on the loop when no lock is in
    its way (a write waits for the lock at most ``_SHORT_WAIT``): a local file has no
    server to hang.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        writers: int,
        readers: int,
        timeout: float,
        short_on_loop: bool = False,
    ) -> None:
        self.engine = engine
        self.timeout = timeout
        # Whether ``short`` work may run on the loop at all: it saves a process that is
        # idle part of the time (several server processes) a wake-up per hop to a
        # thread, and costs one busy process more CPU than the hops it saves.
        self._short_on_loop = short_on_loop
        self.outage = Outage(logger)
        # Writes may wait for a lock (another process's SQLite transaction, a PostgreSQL
        # row lock). One writer thread for SQLite, which has one writer anyway: its
        # busy-wait sleeps would otherwise stretch the tail.
        self._writers = ThreadPoolExecutor(writers, thread_name_prefix="mailnotify-write")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="mailnotify-read")

    async def read(self, work: Callable[[Connection], T], *, short: bool = False) -> T:
        """Run ``work`` on a connection for reads, on the reader threads.

        ``short`` work (a lookup of a few rows by key) runs on the event loop instead when
        it need not wait for a lock (SQLite files): under load, the hops to a thread and
        back cost more than the read, and most of all when the process is not busy enough
        to batch them (``--workers 2``). It falls back to the reader threads otherwise.
        """
        if short and self._short_on_loop:
            ran, result = self._now(lambda: read_now(self.engine, work))
            if ran:
                return cast(T, result)

        def run() -> T:
            with looking_up(self.engine) as connection:
                return work(connection)

        return await self._call(self._readers, run)

    async def change(self, work: Callable[[Connection], T], *, short: bool = False) -> T:
        """Run ``work`` in a Core write transaction, on the writer threads.

        ``short`` work (a few statements on a few rows) runs on the event loop instead
        when the database's write lock is free within ``_SHORT_WAIT`` (SQLite files): no
        hop to a thread, and no wait for the interpreter lock while the database's lock
        is held, which under ``--workers`` keeps the other processes' writers waiting.
        The loop waits at most that long on the database; past it, the work waits its
        turn on the writer threads, with the request's deadline.
        """
        if short and self._short_on_loop and self.engine in _write_locks:
            ran, result = self._now(lambda: _change_soon(self.engine, work))
            if ran:
                return cast(T, result)

        def run() -> T:
            with changing(self.engine) as connection:
                return work(connection)

        return await self._call(self._writers, run)

    def _now(self, attempt: Callable[[], tuple[bool, T | None]]) -> tuple[bool, T | None]:
        """``attempt`` on the loop, observed as the threads' calls are."""
        try:
            ran, result = attempt()
        except Exception as error:
            self._observe(error)
            raise
        if ran:
            self.outage.succeeded()
        return ran, result

    async def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in an ORM write transaction, on the writer threads."""

        def run() -> T:
            with writing(self.engine) as session:
                return work(session)

        return await self._call(self._writers, run)

    async def _call(self, threads: ThreadPoolExecutor, run: Callable[[], T]) -> T:
        abandoned = False

        def guarded() -> T:
            if abandoned:
                raise DatabaseUnavailable("abandoned before it began")
            return run()

        future = asyncio.get_running_loop().run_in_executor(threads, guarded)
        try:
            result = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            abandoned = True
            error = DatabaseUnavailable(f"no answer within {self.timeout:g} s")
            self.outage.failed(error)
            raise error from None
        except Exception as error:
            self._observe(error)
            raise
        self.outage.succeeded()
        return result

    def _observe(self, error: Exception) -> None:
        if database_unavailable(error):
            self.outage.failed(error)
        else:  # the database answered; the work itself refused (a 422, say)
            self.outage.succeeded()
