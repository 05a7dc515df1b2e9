"""Ingest on PostgreSQL: a batch is written while the next one is judged.

Judging a batch needs its mailboxes as the batches before it left them. The batch just
before is still being written, on a thread of its own (psycopg waits for the server
without the GIL), so its mailboxes come from memory; the ones before it are committed.
That holds only while nobody else changes mailboxes in between: the writing connection
holds the intake's lock at session level, across its transactions (the API's usage
batches take it per transaction), and gives it up after every ``WINDOW_SECONDS``, so
that they wait no longer than that.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine

from mailnotify.intake import INTAKE_LOCK, Judged, UsageResult, judge_usage, write_usage
from mailnotify.quota import Thresholds

WINDOW_SECONDS = 1.0


class Overlapped:
    """``apply(reports)`` for the ingest on PostgreSQL; every batch is committed on exit."""

    def __init__(self, engine: Engine, *, thresholds: Thresholds, now_ms: int) -> None:
        self._engine = engine
        self._thresholds = thresholds
        self._now_ms = now_ms
        # Opened on the first batch: the ingest forks its checking helper before that.
        self._reader: Connection | None = None
        self._writer: Connection | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._writing: Future[None] | None = None
        self._newer: Mapping[str, Any] = {}
        self._locked_at: float | None = None

    def __enter__(self) -> Overlapped:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._writer is not None:
                self._unlock()
        finally:
            if self._thread is not None:
                self._thread.shutdown()
            for connection in (self._reader, self._writer):
                if connection is not None:
                    connection.close()

    def __call__(self, reports: Sequence[Mapping[str, Any]]) -> UsageResult:
        """Judge ``reports`` now and write them while the next batch is judged."""
        reader, writer, thread = self._open()
        if self._locked_at is None:
            with writer.begin():
                writer.exec_driver_sql(f"SELECT pg_advisory_lock({INTAKE_LOCK})")
            self._locked_at = time.monotonic()
        try:
            judged = judge_usage(
                reader,
                reports=reports,
                thresholds=self._thresholds,
                now_ms=self._now_ms,
                newer=self._newer,
            )
        finally:
            reader.rollback()  # only read; the next batch reads what is committed by then
        self._wait()
        self._newer = judged.after()
        self._writing = thread.submit(self._write, writer, judged)
        if time.monotonic() - self._locked_at >= WINDOW_SECONDS:
            self._unlock()
        return judged.result

    def _open(self) -> tuple[Connection, Connection, ThreadPoolExecutor]:
        if self._reader is None or self._writer is None or self._thread is None:
            self._reader = self._engine.connect()
            self._writer = self._engine.connect()
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="mailnotify-ingest-write")
        return self._reader, self._writer, self._thread

    @staticmethod
    def _write(writer: Connection, judged: Judged) -> None:
        with writer.begin():
            write_usage(writer, judged)

    def _wait(self) -> None:
        """The batch being written is committed (or its failure raised here)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def _unlock(self) -> None:
        """Every batch committed, and the lock given up for other writers to take."""
        self._wait()
        self._newer = {}
        if self._locked_at is not None and self._writer is not None:
            self._locked_at = None
            with self._writer.begin():
                self._writer.exec_driver_sql(f"SELECT pg_advisory_unlock({INTAKE_LOCK})")
