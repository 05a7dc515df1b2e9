"""The OS lock beside a SQLite file that orders the write transactions of every process.

SQLite lets one writer in at a time and makes the others poll in its busy handler, which
sleeps in growing steps (1 to 100 ms): under contention between processes (``serve
--workers 2``) a writer often sleeps long after the database was freed. Writers that
queue on an OS lock beside the database instead (``flock`` on ``<db>.write-lock``, held
from before ``BEGIN IMMEDIATE`` until after ``COMMIT``) wake the moment it is free.

SQLite's own lock still decides who writes: a writer that does not take this one (the
``sqlite3`` shell, an older process) only makes the others wait in the busy handler as
they did before this lock existed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger("mailnotify.db")

_UNUSABLE = -2


class WriteLock:
    """One process's handle on the lock file: threads queue on a mutex, processes on flock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._mutex = threading.Lock()  # flock does not order the threads of one process
        self._owner: int | None = None
        self._fd = -1
        self._pid = os.getpid()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block; a nested write on the same thread passes through."""
        me = threading.get_ident()
        self._after_fork()
        if self._owner == me:
            yield  # SQLite decides, as it did before this lock existed
            return
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
        """Hold the lock for the block if nobody holds it now (True); never waits for it."""
        self._after_fork()
        me = threading.get_ident()
        if self._owner == me or not self._mutex.acquire(blocking=False):
            yield False
            return
        try:
            fd = self._open()
            if fd >= 0 and not _flock_now(fd):
                yield False
                return
            self._owner = me
            try:
                yield True
            finally:
                self._owner = None
                if fd >= 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._mutex.release()

    def _after_fork(self) -> None:
        if self._pid != os.getpid():
            # A forked child shares its parent's open file description, and with it the
            # parent's flock: it needs a file of its own.
            self._mutex = threading.Lock()
            self._owner = None
            self._fd = -1
            self._pid = os.getpid()

    def _open(self) -> int:
        if self._fd == -1:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:  # a read-only directory, say: SQLite alone orders writers
                logger.warning(
                    "no write lock beside the database",
                    extra={"path": self.path, "reason": str(error)[:200]},
                )
                self._fd = _UNUSABLE
        return self._fd


def _flock_now(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
