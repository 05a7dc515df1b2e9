"""SQLite writers of every process queue on one OS lock beside the database file; short
writes and reads run on the event loop when nothing is in their way."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from mailnotify.db import Database, change_now, changing, make_engine, read_now, write_locked

# Holds an exclusive flock on argv[1] until its stdin closes; says so first.
_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""
# Exits 0 if it can take the flock on argv[1] right now, 1 if someone holds it.
_PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with changing(engine) as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def _lock_path(engine: Engine) -> str:
    return f"{engine.url.database}.write-lock"


def _free_in_another_process(engine: Engine) -> bool:
    probe = [sys.executable, "-c", _PROBE, _lock_path(engine)]
    return subprocess.run(probe, check=False, timeout=60).returncode == 0


@contextmanager
def _held_by_another_process(engine: Engine) -> Iterator[None]:
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, _lock_path(engine)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "held"
            yield
        finally:
            holder.stdin.close()
            holder.wait(timeout=60)


def _insert(connection: Connection) -> int:
    connection.execute(text("INSERT INTO t VALUES (1)"))
    return int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_a_write_transaction_holds_the_lock_beside_the_database(engine: Engine) -> None:
    with changing(engine) as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert not _free_in_another_process(engine)
    assert _free_in_another_process(engine)


def test_a_writer_waits_for_another_process_holding_the_lock(engine: Engine) -> None:
    wrote = threading.Event()

    def write() -> None:
        with changing(engine) as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        wrote.set()

    with _held_by_another_process(engine):
        writer = threading.Thread(target=write)
        writer.start()
        assert not wrote.wait(0.5), "wrote while another process held the lock"
    assert wrote.wait(30), "still waiting after the lock was released"
    writer.join()


def test_a_nested_write_lock_on_the_same_thread_passes_through(engine: Engine) -> None:
    with changing(engine) as connection, write_locked(engine):
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert _free_in_another_process(engine)


def test_change_now_runs_when_the_lock_is_free(engine: Engine) -> None:
    assert change_now(engine, _insert) == (True, 1)
    assert _free_in_another_process(engine)


def test_change_now_declines_at_once_while_another_process_holds_the_lock(engine: Engine) -> None:
    with _held_by_another_process(engine):
        started = time.monotonic()
        assert change_now(engine, _insert) == (False, None)
        assert time.monotonic() - started < 5
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 0


def test_change_now_declines_while_sqlite_is_locked_without_the_lock(engine: Engine) -> None:
    # The sqlite3 shell, say: it holds SQLite's write lock but knows nothing of ours.
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert change_now(engine, _insert) == (False, None)
        assert time.monotonic() - started < 5, "waited in SQLite's busy handler"
    finally:
        other.execute("ROLLBACK")
        other.close()
    with engine.connect() as connection:
        # The connection's busy handler is back for every other use.
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30000
    assert _free_in_another_process(engine)


def test_a_short_change_waits_off_the_loop_while_the_lock_is_held(engine: Engine) -> None:
    database = Database(engine, writers=1, readers=1, timeout=60, short_on_loop=True)

    async def scenario() -> None:
        with _held_by_another_process(engine):
            change = asyncio.ensure_future(database.change(_insert, short=True))
            ticks = 0
            while ticks < 10:  # the loop keeps running while the change waits
                await asyncio.sleep(0.02)
                ticks += 1
            assert not change.done()
        assert await asyncio.wait_for(change, 30) == 1

    asyncio.run(scenario())


def _insert_where(connection: Connection) -> str:
    _insert(connection)
    return threading.current_thread().name


def test_a_short_change_writes_on_the_loop_when_the_lock_is_free(engine: Engine) -> None:
    database = Database(engine, writers=1, readers=1, timeout=60, short_on_loop=True)
    where = asyncio.run(database.change(_insert_where, short=True))
    assert where == threading.current_thread().name
    assert _free_in_another_process(engine)


def test_a_short_change_waits_for_a_long_holder_on_the_writer_thread(engine: Engine) -> None:
    database = Database(engine, writers=1, readers=1, timeout=60, short_on_loop=True)

    async def scenario() -> str:
        with _held_by_another_process(engine):
            change = asyncio.ensure_future(database.change(_insert_where, short=True))
            await asyncio.sleep(0.2)
            assert not change.done()
        return await asyncio.wait_for(change, 30)

    assert asyncio.run(scenario()).startswith("mailnotify-write")


def _count_where(connection: Connection) -> tuple[int, str]:
    count = int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())
    return count, threading.current_thread().name


def test_a_short_read_runs_on_the_loop_and_waits_for_no_writer(engine: Engine) -> None:
    database = Database(engine, writers=1, readers=1, timeout=60, short_on_loop=True)
    with changing(engine) as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    # Another process's writer and a writer that knows nothing of our lock, both mid-way.
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (2)")
    try:
        with _held_by_another_process(engine):
            started = time.monotonic()
            count, where = asyncio.run(database.read(_count_where, short=True))
            assert time.monotonic() - started < 5
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (count, where) == (1, threading.current_thread().name)


def test_read_now_runs_only_on_sqlite_files(postgres_admin_url: str) -> None:
    engine = make_engine(f"{postgres_admin_url}/postgres")
    database = Database(engine, writers=1, readers=1, timeout=30, short_on_loop=True)

    def where(connection: Connection) -> str:
        connection.execute(text("SELECT 1"))
        return threading.current_thread().name

    try:
        assert read_now(engine, where) == (False, None)
        name = asyncio.run(database.read(where, short=True))
    finally:
        engine.dispose()
    assert name.startswith("mailnotify-read")


def test_a_short_change_on_postgresql_runs_on_the_writer_threads(
    postgres_admin_url: str,
) -> None:
    engine = make_engine(f"{postgres_admin_url}/postgres")
    database = Database(engine, writers=1, readers=1, timeout=30, short_on_loop=True)

    def thread_name(connection: Connection) -> str:
        connection.execute(text("SELECT 1"))
        return threading.current_thread().name

    try:
        name = asyncio.run(database.change(thread_name, short=True))
    finally:
        engine.dispose()
    assert name.startswith("mailnotify-write")


def test_short_work_stays_on_the_threads_unless_the_loop_is_allowed(engine: Engine) -> None:
    # One server process: the hops batch, and the loop path would cost it more CPU.
    database = Database(engine, writers=1, readers=1, timeout=60)

    async def both() -> tuple[str, tuple[int, str]]:
        wrote = await database.change(_insert_where, short=True)
        return wrote, await database.read(_count_where, short=True)

    wrote, (count, read) = asyncio.run(both())
    assert wrote.startswith("mailnotify-write")
    assert (count, read[: len("mailnotify-read")]) == (1, "mailnotify-read")
