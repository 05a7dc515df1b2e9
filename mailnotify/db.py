"""Engines, transactions, and the request path's gateway to the database."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import math
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import Connection
from sqlmodel import Session, create_engine

_BEGIN = "mailnotify_begin"
T = TypeVar("T")
logger = logging.getLogger("mailnotify.db")

_BUSY_TIMEOUT_MS = 30000
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


class WriteLock:
    """Orders the write transactions of every process on one SQLite file.

    SQLite lets one writer in at a time and makes the others poll in its busy handler,
    which sleeps in growing steps: under contention between processes a writer sleeps
    long after the lock was freed. Writers that queue on an OS lock beside the database
    (``flock``, held from before ``BEGIN IMMEDIATE`` until after ``COMMIT``) wake the
    moment it is free. SQLite's own lock still decides: a writer that does not take this
    one (the ``sqlite3`` shell, an older process) only makes the others wait as before.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._mutex = threading.Lock()  # flock does not order the threads of one process
        self._owner: int | None = None
        self._fd = -1
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block; a nested write on the same thread passes through."""
        me = threading.get_ident()
        if self._owner == me:
            yield  # SQLite decides, as it did before this lock existed
            return
        self._after_fork()
        with self._mutex:
            fd = self._open()
            if fd >= 0:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._owner = me
            try:
                yield
            finally:
                self._owner = None
                if fd >= 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    @contextmanager
    def taken_now(self) -> Iterator[bool]:
        """Hold the lock for the block if nobody holds it now; never waits for it."""
        self._after_fork()
        if self._owner == threading.get_ident() or not self._mutex.acquire(blocking=False):
            yield False
            return
        try:
            fd = self._open()
            if fd >= 0 and not _flock_now(fd):
                yield False
                return
            self._owner = threading.get_ident()
            try:
                yield True
            finally:
                self._owner = None
                if fd >= 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._mutex.release()

    def wait_free(self) -> None:
        """Return once nobody holds the lock (blocks; for a thread, never the loop)."""
        self._after_fork()
        with self._mutex:
            fd = self._open()
            if fd >= 0:
                fcntl.flock(fd, fcntl.LOCK_EX)
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _after_fork(self) -> None:
        if self._pid != os.getpid():
            # A forked child shares its parent's open file, and with it the parent's flock.
            self._mutex = threading.Lock()
            self._owner = None
            self._fd = -1
            self._pid = os.getpid()

    def _open(self) -> int:
        if self._fd < 0:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:  # a read-only directory: SQLite alone orders writers
                logger.warning(
                    "no write lock beside the database",
                    extra={"path": self.path, "reason": str(error)[:200]},
                )
                self._fd = -2
        return self._fd


def _flock_now(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


_write_locks: weakref.WeakKeyDictionary[Engine, WriteLock] = weakref.WeakKeyDictionary()


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
        with engine.connect() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                connection.execution_options(**{_BEGIN: "IMMEDIATE"})
                try:
                    transaction = connection.begin()
                except exc.OperationalError as error:
                    # A writer that does not take the lock (the sqlite3 shell) holds SQLite's.
                    if getattr(error.orig, "sqlite_errorname", "") == "SQLITE_BUSY":
                        return False, None
                    raise
                with transaction:
                    return True, work(connection)
            finally:
                cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
                cursor.close()


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


# A short write tries the loop this often (waiting for the lock in between) before it
# queues on the writer thread, which takes the lock in turn: no writer starves.
_SHORT_ATTEMPTS = 3


class DatabaseUnavailable(Exception):
    """The database did not answer within the request path's deadline."""


# SQLite reports a missing table and a locked or unreadable file alike as
# OperationalError; its result codes tell them apart.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached (not that a query is wrong)."""
    if isinstance(error, DatabaseUnavailable | exc.TimeoutError | exc.DisconnectionError):
        return True  # our deadline, a pool checkout, a failed ping
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):
        name = str(getattr(error.orig, "sqlite_errorname", ""))
        return name.startswith(_SQLITE_UNAVAILABLE)
    # psycopg: connection failures, and statement or lock timeouts (QueryCanceled).
    return isinstance(error, exc.OperationalError | exc.InterfaceError)


class Outage:
    """Logs one line when the database goes away and one when it returns, with a count."""

    def __init__(self) -> None:
        self._since: float | None = None
        self._failures = 0

    @property
    def down(self) -> bool:
        """Whether the last call failed because the database was unavailable."""
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        """A call failed because the database was unavailable."""
        self._failures += 1
        if self._since is None:
            self._since = time.monotonic()
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            logger.error("database unavailable", extra={"reason": reason[:200]})

    def succeeded(self) -> None:
        """A call reached the database."""
        if self._since is None:
            return
        logger.warning(
            "database available again",
            extra={
                "failed_calls": self._failures,
                "down_seconds": round(time.monotonic() - self._since, 3),
            },
        )
        self._since = None
        self._failures = 0


class Database:
    """The request path's gateway: every read and write runs on a thread, with a deadline.

    The event loop never waits on the database: a hung server costs a request its
    deadline (then 503), never the other requests. A call abandoned at its deadline
    before it began never begins.
    """

    def __init__(self, engine: Engine, *, writers: int, readers: int, timeout: float) -> None:
        self.engine = engine
        self.timeout = timeout
        self.outage = Outage()
        # Writes may wait for a lock (another process's SQLite transaction, a PostgreSQL
        # row lock). One writer thread for SQLite, which has one writer anyway: its
        # busy-wait sleeps would otherwise stretch the tail.
        self._writers = ThreadPoolExecutor(writers, thread_name_prefix="mailnotify-write")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="mailnotify-read")

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a connection for reads."""

        def run() -> T:
            with looking_up(self.engine) as connection:
                return work(connection)

        return await self._call(self._readers, run)

    async def change(self, work: Callable[[Connection], T], *, short: bool = False) -> T:
        """Run ``work`` in a Core write transaction, on the writer threads.

        ``short`` work (a few statements on a few rows) runs on the event loop instead
        when the database's write lock is free right now (SQLite files): no hop to a
        thread, and no wait for the interpreter lock while the database's lock is held,
        which under ``--workers`` keeps the other processes' writers waiting. The loop
        still never waits on the database: when the lock is taken, a writer thread waits
        for it to be free and the loop tries again; after a few tries the work waits its
        turn on the writer threads.
        """
        if short and (lock := _write_locks.get(self.engine)) is not None:
            for attempt in range(_SHORT_ATTEMPTS):
                if attempt:
                    # Wait for the holder on a thread, then write on the loop again: the lock
                    # is held only while the loop runs the work, never across a thread's
                    # waits for the interpreter lock.
                    await self._call(self._writers, lock.wait_free)
                try:
                    ran, result = change_now(self.engine, work)
                except Exception as error:
                    self._observe(error)
                    raise
                if ran:
                    self.outage.succeeded()
                    return cast(T, result)

        def run() -> T:
            with changing(self.engine) as connection:
                return work(connection)

        return await self._call(self._writers, run)

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
