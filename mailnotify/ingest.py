"""Bulk intake of usage reports from a JSON Lines file, through the same engine as the API."""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import orjson
from sqlalchemy import Engine

from mailnotify.db import writing
from mailnotify.errors import ApiError, FieldError
from mailnotify.ingest_overlap import Overlapped
from mailnotify.intake import UsageResult, apply_usage
from mailnotify.quota import Thresholds
from mailnotify.validation import CompiledSchema

BATCH = 5000
GC_THRESHOLD = 100_000
# A checkpoint copies the WAL into the database file and syncs it. Batches dirty many of
# the same index pages (event ids are random), so checkpointing every 40 MB of WAL
# instead of every 4 MB writes each of them fewer times (BENCHMARKS.md has the figure).
WAL_CHECKPOINT_PAGES = 10_000


class IngestError(Exception):
    """Lines that cannot be applied; batches before them were applied and stay applied."""

    def __init__(self, problems: list[str], applied_lines: int) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.applied_lines = applied_lines


@dataclass(slots=True)
class Summary:
    """What an ingest did."""

    lines: int = 0
    applied: int = 0
    ignored: int = 0
    events: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Reports per second."""
        return self.lines / self.seconds if self.seconds else 0.0


class Progress:
    """A progress line on stderr: share of the file read, rate and time left."""

    def __init__(self, total_bytes: int, stream: TextIO, interval: float = 0.5) -> None:
        self._total = max(total_bytes, 1)
        self._stream = stream
        self._interval = interval
        self._started = self._last = time.monotonic()
        self._tty = stream.isatty()

    def update(self, done_bytes: int, lines: int, *, final: bool = False) -> None:
        """Show progress, at most every ``interval`` seconds unless ``final``."""
        now = time.monotonic()
        if not final and now - self._last < self._interval:
            return
        self._last = now
        elapsed = max(now - self._started, 1e-9)
        share = min(done_bytes / self._total, 1.0)
        left = elapsed / share - elapsed if share > 0 else 0.0
        text = (
            f"ingest: {share:6.1%}  {lines:,} reports  {lines / elapsed:,.0f}/s  {left:,.0f}s left"
        )
        end = "\n" if final or not self._tty else ""
        self._stream.write(("\r" if self._tty else "") + text + end)
        self._stream.flush()


@dataclass(frozen=True, slots=True)
class _Batch:
    """Consecutive lines of the file, blank ones included."""

    first: int  # the line number of lines[0]
    lines: list[bytes]
    done: int  # bytes of the file up to the end of this batch


def _batches(handle: BinaryIO, size: int = BATCH, block: int = 1 << 20) -> Iterator[_Batch]:
    """The file in batches of ``size`` lines, read in blocks: cheaper than line by line."""
    rest = b""
    pending: list[bytes] = []
    first, done = 1, 0
    while chunk := handle.read(block):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        pending += lines
        while len(pending) >= size:
            batch, pending = pending[:size], pending[size:]
            done += sum(map(len, batch)) + len(batch)
            yield _Batch(first, batch, done)
            first += size
    if rest:
        pending.append(rest)
    if pending:
        yield _Batch(first, pending, done + sum(map(len, pending)) + len(pending))


def _parse(batch: _Batch) -> tuple[list[int], list[Any], list[str]]:
    """(line numbers, parsed reports, problems) of a batch; blank lines are skipped."""
    lines = batch.lines
    if b"" not in lines:
        # The common case, one C-level pass; anything unusual takes the careful path.
        try:
            parsed = list(map(orjson.loads, lines))
        except orjson.JSONDecodeError:
            pass
        else:
            return list(range(batch.first, batch.first + len(lines))), parsed, []
    numbers: list[int] = []
    reports: list[Any] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=batch.first):
        if not line or line.isspace():
            continue
        try:
            reports.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            problems.append(f"line {number}: body: must be valid JSON")
        else:
            numbers.append(number)
    return numbers, reports, problems


def _problems(errors: list[FieldError], numbers: list[int]) -> list[str]:
    found = []
    for error in errors:
        parts = error.field.split(".", 2)
        if parts[0] == "reports" and len(parts) >= 2 and parts[1].isdigit():
            rest = parts[2] if len(parts) == 3 else "body"
            found.append(f"line {numbers[int(parts[1])]}: {rest}: {error.description}")
        else:
            found.append(f"{error.field}: {error.description}")
    return found


def ingest(
    path: Path,
    *,
    engine: Engine,
    schema: CompiledSchema,
    thresholds: Thresholds,
    now_ms: int,
    progress: TextIO = sys.stderr,
) -> Summary:
    """Apply every report of ``path`` in atomic batches; IngestError names bad lines.

    Re-running a file is safe: a report not newer than the mailbox's last one raises
    nothing, so after fixing a bad line the whole file can be ingested again.
    """
    summary = Summary()
    started = time.monotonic()
    meter = Progress(path.stat().st_size, progress)

    def apply(reports: Sequence[Any]) -> UsageResult:
        with writing(engine) as session:
            if session.connection().dialect.name == "sqlite":
                session.connection().exec_driver_sql(
                    f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}"
                )
            return apply_usage(
                session=session,
                reports=reports,
                thresholds=thresholds,
                now_ms=now_ms,
            )

    overlapped = None
    if engine.dialect.name == "postgresql":
        overlapped = Overlapped(engine, thresholds=thresholds, now_ms=now_ms)
    # Every batch makes tens of thousands of objects that live until the next one, so
    # the collector would run often and walk everything each time: the modules and spec
    # loaded so far are never garbage (frozen, they are not walked), and the batches'
    # objects hold no cycles worth chasing every 700 allocations.
    thresholds_before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds_before[1:])
    try:
        if overlapped is None:
            _apply_file(path, schema, apply, summary, meter)
        else:
            with overlapped:
                _apply_file(path, schema, overlapped, summary, meter)
    finally:
        gc.set_threshold(*thresholds_before)
        gc.unfreeze()
    _analyze(engine)
    summary.seconds = time.monotonic() - started
    meter.update(path.stat().st_size, summary.lines, final=True)
    return summary


# What an ingest fills: the delivery worker's claims and the next ingest's joins are
# planned on their statistics.
_FILLED = ("mailboxes", "events", "deliveries")


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics on PostgreSQL: after a bulk load, autovacuum may take a
    while to gather them, and until then the workers' claims are planned for empty tables."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql(f"ANALYZE {', '.join(_FILLED)}")
        connection.commit()


def _apply_file(
    path: Path,
    schema: CompiledSchema,
    apply: Callable[[Sequence[Any]], UsageResult],
    summary: Summary,
    meter: Progress,
) -> None:
    checking = _checked_by_helper if _helper_usable(path) else _checked_here
    for checked in checking(path, schema):
        if checked.problems:
            raise IngestError(checked.problems, summary.lines)
        if checked.reports:
            try:
                result = apply(checked.reports)
            except ApiError as error:
                raise IngestError(
                    _problems(list(error.errors), checked.numbers), summary.lines
                ) from None
            summary.lines += len(checked.reports)
            summary.applied += result.applied
            summary.ignored += result.ignored
            summary.events += result.events
        meter.update(checked.done, summary.lines)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A batch parsed and checked against the schema: its reports, or what is wrong."""

    done: int
    numbers: list[int]
    reports: list[Any]
    problems: list[str]


def _check(batch: _Batch, schema: CompiledSchema) -> _Checked:
    numbers, reports, problems = _parse(batch)
    errors = schema.errors({"reports": reports}) if reports else []
    problems += _problems(errors, numbers)
    return _Checked(batch.done, numbers, reports, problems)


def _checked_here(path: Path, schema: CompiledSchema) -> Iterator[_Checked]:
    with path.open("rb") as handle:
        for batch in _batches(handle):
            yield _check(batch, schema)


# Checking (parsing and the schema) is a third of the work; a helper process does it
# for the next batch while this one applies the current one. It is forked, so that it
# has the compiled schema, and only where forking is safe: no other threads.
HELPER_MIN_BYTES = 4 << 20


def _helper_usable(path: Path) -> bool:
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and path.stat().st_size >= HELPER_MIN_BYTES
    )


def _checked_by_helper(path: Path, schema: CompiledSchema) -> Iterator[_Checked]:
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    helper = context.Process(
        target=_helper_main, args=(path, schema, sending), name="mailnotify-ingest-check"
    )
    helper.start()
    sending.close()
    finished = False
    try:
        while True:
            try:
                message = receiving.recv()
            except EOFError:
                raise RuntimeError("the ingest helper process stopped unexpectedly") from None
            if message is None:
                finished = True
                return
            yield _received(message)
    finally:
        receiving.close()
        if not finished:
            # Stopped early (bad lines, an error): the helper may be waiting to send more.
            helper.terminate()
        helper.join()


# What the helper sends per batch: bytes read, the first line's number, the numbers of
# the reports when blank lines make them irregular, problems, and the reports' lines as
# one JSON array (cheaper to send and to parse again than the parsed objects).
_Message = tuple[int, int, int, list[int] | None, list[str], bytes]


def _helper_main(path: Path, schema: CompiledSchema, sending: Connection) -> None:
    # Ctrl-C reaches both processes; the parent stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _send_checked(path, schema, sending)


def _send_checked(
    path: Path, schema: CompiledSchema, sending: Connection, size: int = BATCH
) -> None:
    """Check every batch of ``path`` and send it, up to the first with problems."""
    with path.open("rb") as handle:
        for batch in _batches(handle, size):
            checked = _check(batch, schema)
            count = len(checked.numbers)
            regular = checked.numbers == list(range(batch.first, batch.first + count))
            lines = b""
            if not checked.problems:
                kept = batch.lines if regular and count == len(batch.lines) else _kept(batch)
                lines = b"[" + b",".join(kept) + b"]"
            message: _Message = (
                checked.done,
                batch.first,
                count,
                None if regular else checked.numbers,
                checked.problems,
                lines,
            )
            sending.send(message)
            if checked.problems:
                break
    sending.send(None)
    sending.close()


def _kept(batch: _Batch) -> list[bytes]:
    return [line for line in batch.lines if line and not line.isspace()]


def _received(message: _Message) -> _Checked:
    done, first, count, numbers, problems, lines = message
    reports = orjson.loads(lines) if lines else []
    if numbers is None:
        numbers = list(range(first, first + count))
    return _Checked(done, numbers, reports, problems)
