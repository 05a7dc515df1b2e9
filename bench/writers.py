"""Short writes from several processes on one SQLite file, through the request path's gateway.

``python -m bench.writers [--processes 2] [--tasks 10] [--repeat 5]``: each process runs
an event loop with ``--tasks`` concurrent requests, each spending some CPU (as parsing
and validating a request does) and then one short write transaction through
``Database.change``. Three ways to order the writers, interleaved across repetitions:

- ``busy``: SQLite's busy handler alone (how the writers of several processes waited
  before the write lock beside the database);
- ``flock``: the write lock beside the database, the write on the writer thread;
- ``loop``: the write lock, and the write on the event loop when the lock is free
  (``short=True``, what the settings PUT does).

Prints one line per run and a table of medians: writes/s, latency of the write call
(p50, p99, max) and of the whole simulated request.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

MODES = ("busy", "flock", "loop")


def _burn(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _process(
    url: str,
    mode: str,
    settings: tuple[int, float, float, float],
    ready: Any,
    results: Any,
) -> None:
    """One server process: closed-loop requests; its latencies (ms) go to ``results``."""
    from mailnotify import db

    tasks, cpu, warmup, duration = settings
    engine = db.make_engine(url)
    if mode == "busy":
        db._write_locks.pop(engine, None)  # the baseline: no lock beside the file
    database = db.Database(engine, writers=1, readers=1, timeout=30)
    writes: list[float] = []
    requests: list[float] = []

    async def request(number: int) -> None:
        row = number % 20

        def update(connection: Connection) -> int:
            connection.execute(text("UPDATE t SET n = n + 1 WHERE id = :id"), {"id": row})
            return int(
                connection.execute(text("SELECT n FROM t WHERE id = :id"), {"id": row}).scalar_one()
            )

        while (began := time.time()) < start + warmup + duration:
            _burn(cpu)
            called = time.perf_counter()
            await database.change(update, short=mode == "loop")
            done = time.perf_counter()
            if began >= start + warmup and time.time() <= start + warmup + duration:
                writes.append((done - called) * 1000)
                requests.append((time.time() - began) * 1000)
            await asyncio.sleep(0)  # the next request arrives through the loop

    async def main() -> None:
        await asyncio.gather(*(request(n) for n in range(tasks)))

    ready.wait()  # every process has started and imported: all begin together
    start = time.time()
    asyncio.run(main())
    engine.dispose()
    results.put({"writes": writes, "requests": requests})


def _percentile(ordered: Sequence[float], q: float) -> float:
    return ordered[max(0, int(q * len(ordered) + 0.5) - 1)] if ordered else float("nan")


def run_once(directory: Path, mode: str, args: Any) -> dict[str, float]:
    """One run of ``mode``: every process at once, on a fresh copy of the table."""
    path = directory / f"{mode}.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    from mailnotify.db import changing, make_engine

    engine = make_engine(url)
    with changing(engine) as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
        connection.execute(text("INSERT INTO t VALUES (:id, 0)"), [{"id": i} for i in range(20)])
    engine.dispose()
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(args.processes)
    queue = spawn.Queue()
    settings = (args.tasks, args.cpu_ms / 1000, args.warmup, args.duration)
    children = [
        spawn.Process(target=_process, args=(url, mode, settings, ready, queue))
        for _ in range(args.processes)
    ]
    for child in children:
        child.start()
    results = [queue.get(timeout=300) for _ in children]
    for child in children:
        child.join()
    writes = sorted(w for r in results for w in r["writes"])
    requests = sorted(w for r in results for w in r["requests"])
    return {
        "writes_per_s": len(writes) / args.duration,
        "write_p50": _percentile(writes, 0.5),
        "write_p99": _percentile(writes, 0.99),
        "write_max": writes[-1] if writes else float("nan"),
        "request_p50": _percentile(requests, 0.5),
        "request_p99": _percentile(requests, 0.99),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run every mode ``--repeat`` times, interleaved, and print the medians."""
    parser = argparse.ArgumentParser(prog="bench.writers", description=__doc__)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=10, help="concurrent requests per process")
    parser.add_argument(
        "--cpu-ms", type=float, default=0.8, help="CPU per request before its write"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=2.0)
    args = parser.parse_args(argv)
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="mailnotify-writers-") as tmp:
        for rep in range(args.repeat):
            for i in range(len(MODES)):
                mode = MODES[(i + rep) % len(MODES)]
                result = run_once(Path(tmp), mode, args)
                runs[mode].append(result)
                print(
                    f"run {rep + 1} {mode:5} "
                    + "  ".join(f"{k} {v:.1f}" for k, v in result.items()),
                    flush=True,
                )
    print()
    print(
        "| writers | writes/s | write p50 ms | write p99 ms | write max ms "
        "| request p50 ms | request p99 ms |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    for mode in MODES:
        m = {k: statistics.median(r[k] for r in runs[mode]) for k in runs[mode][0]}
        print(
            f"| {mode} | {m['writes_per_s']:,.0f} | {m['write_p50']:.2f} | {m['write_p99']:.2f} "
            f"| {m['write_max']:.1f} | {m['request_p50']:.2f} | {m['request_p99']:.2f} |"
        )


if __name__ == "__main__":
    main()
