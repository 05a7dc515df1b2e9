"""The four measures of the engine benchmark, each on its own fresh database."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from bench.engine_data import LATENCY_DOMAIN, ReportFile
from bench.engine_db import Databases
from bench.engine_procs import ROOT, Receiver, mailnotify_argv, running, serving

HTTP_BATCH = 10_000
GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True, slots=True)
class IngestRun:
    """One ``mailnotify ingest`` of the report file."""

    wall: float
    own_seconds: float
    lines: int
    events: int
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        """Reports per second of wall time, process start to exit."""
        return self.lines / self.wall


def measure_ingest(env: dict[str, str], reports: ReportFile, log: Path) -> IngestRun:
    """Run ``mailnotify ingest --json FILE`` and take its wall time and peak RSS.

    The peak comes from GNU time's ``%M``: a child's own ``ru_maxrss`` starts from its
    parent's resident size at fork (Linux keeps the high-water mark across exec), so
    ``wait4`` on a child of this (large) process would report this process's size.
    """
    out = log.with_suffix(".json")
    rss = log.with_suffix(".rss")
    argv = mailnotify_argv("ingest", "--json", str(reports.path))
    if Path(GNU_TIME).exists():
        argv = [GNU_TIME, "-f", "%M", "-o", str(rss), *argv]
    with out.open("wb") as stdout, log.open("ab") as stderr:
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 (argv is ours, no shell)
            argv, env=env, stdout=stdout, stderr=stderr, cwd=ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: ingest failed ({process.returncode}); see {log}")
    peak_kb = int(rss.read_text().split()[-1]) if rss.exists() else usage.ru_maxrss
    summary = orjson.loads(out.read_bytes())
    if summary["lines"] != reports.reports or summary["events"] != reports.crossing:
        raise SystemExit(
            f"bench: ingest applied {summary['lines']} reports raising {summary['events']} "
            f"events; the file has {reports.reports} raising {reports.crossing}"
        )
    return IngestRun(
        wall=wall,
        own_seconds=float(summary["seconds"]),
        lines=int(summary["lines"]),
        events=int(summary["events"]),
        peak_rss_mb=peak_kb / 1024,
    )


def _bodies(path: Path, size: int) -> Iterator[tuple[int, bytes]]:
    """(reports, body) of usage batches of ``size`` reports, built from the file's lines."""
    lines: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            lines.append(line.rstrip(b"\n"))
            if len(lines) == size:
                yield len(lines), b'{"reports":[' + b",".join(lines) + b"]}"
                lines = []
    if lines:
        yield len(lines), b'{"reports":[' + b",".join(lines) + b"]}"


def measure_http(
    env: dict[str, str], reports: ReportFile, token: str, log: Path, connections: int = 1
) -> float:
    """Reports per second through ``POST /api/platform/usage`` in batches of 10 000."""
    server_env = {**env, "MAILNOTIFY_EMBEDDED_WORKER": "false", "MAILNOTIFY_ACCESS_LOG": "true"}
    headers = {"X-Api-Token": token, "Content-Type": "application/json"}
    bodies = _bodies(reports.path, HTTP_BATCH)
    lock = threading.Lock()
    events = [0]
    failures: list[str] = []

    def post_all(client: httpx.Client, base: str) -> None:
        while True:
            with lock:
                batch = next(bodies, None)
            if batch is None or failures:
                return
            response = client.post(f"{base}/api/platform/usage", content=batch[1], headers=headers)
            if response.status_code != 200:
                failures.append(f"{response.status_code}: {response.text[:300]}")
                return
            with lock:
                events[0] += response.json()["resources"][0]["events"]

    with serving(server_env, log) as base:
        clients = [httpx.Client(timeout=120) for _ in range(connections)]
        threads = [threading.Thread(target=post_all, args=(client, base)) for client in clients]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        for client in clients:
            client.close()
    if failures:
        raise SystemExit(f"bench: a usage batch failed: {failures[0]}")
    if events[0] != reports.crossing:
        raise SystemExit(f"bench: HTTP intake raised {events[0]} events, not {reports.crossing}")
    return reports.reports / elapsed


DELIVERED = "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
EMAIL_ATTEMPTS = "SELECT coalesce(sum(attempts), 0) FROM deliveries WHERE channel != 'webhook'"
WEBHOOKS_PENDING = (
    "SELECT count(*) FROM deliveries WHERE status = 'pending' AND channel = 'webhook'"
)


@dataclass(frozen=True, slots=True)
class DeliveryRun:
    """Webhooks delivered by ``mailnotify worker`` from a full outbox."""

    pending: int
    delivered: int
    seconds: float
    received: int
    verified: int
    bad_signatures: int
    # Mailbox warnings are queued for every exceeded event; without SMTP each attempt
    # ends at once and is retried later, but it takes its place in the worker's batches.
    email_attempts: int
    workers: int = 1

    @property
    def rate(self) -> float:
        """Webhooks delivered per second."""
        return self.delivered / self.seconds


def measure_delivery(
    env: dict[str, str],
    db: Databases,
    receiver: Receiver,
    subset: int,
    log: Path,
    workers: int = 1,
) -> DeliveryRun:
    """Run ``workers`` ``mailnotify worker`` processes until ``subset`` webhooks are
    delivered (or all are).

    The clock starts at the first delivered row, so process start-up is not counted.
    """
    url = env["MAILNOTIFY_DATABASE_URL"]
    pending = db.count(url, WEBHOOKS_PENDING)
    goal = min(subset, pending)
    before = receiver.stats()
    with ExitStack() as stack:
        processes = [
            stack.enter_context(
                running(mailnotify_argv("worker"), env=env, log=log.with_suffix(f".{n}.log"))
            )
            for n in range(workers)
        ]
        first_seen = 0.0
        first_count = 0
        deadline = time.monotonic() + 60 + goal / 50
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            done = db.count(url, DELIVERED)
            if done and not first_seen:
                first_seen, first_count = now, done
            stopped = any(process.poll() is not None for process in processes)
            if done >= goal or now > deadline or stopped:
                break
    after = receiver.stats()
    emails = db.count(url, EMAIL_ATTEMPTS)
    if done < goal:
        raise SystemExit(f"bench: the workers delivered {done} of {goal} webhooks; see {log}")
    return DeliveryRun(
        pending=pending,
        delivered=done - first_count,
        seconds=now - first_seen,
        received=after["count"] - before["count"],
        verified=after["verified"] - before["verified"],
        bad_signatures=after["bad"] - before["bad"],
        email_attempts=emails,
        workers=workers,
    )


def _latency_code(run: int, number: int) -> str:
    # Unique over runs: the receiver keeps every arrival.
    return f"LAT{run}N{number:05d}"


def _latency_report(code: str) -> bytes:
    return orjson.dumps(
        {
            "reports": [
                {
                    "email_address": f"{code.lower()}@{LATENCY_DOMAIN}",
                    "email_code": code,
                    "domain_name": LATENCY_DOMAIN,
                    "observed_at": "2026-11-24T10:00:00Z",
                    "space": {"used": 90, "assigned": 100},
                    "messages": {"used": 0, "assigned": 100},
                }
            ]
        }
    )


@dataclass(frozen=True, slots=True)
class LatencyRun:
    """Milliseconds from a usage POST to the webhook's arrival, one per sample.

    ``after_response`` starts when the POST's answer arrived (the event was committed
    before that: a lower bound); ``after_request`` when the POST was sent (an upper bound).
    """

    after_response: Sequence[float]
    after_request: Sequence[float]
    lost: int


def measure_latency(
    env: dict[str, str],
    db: Databases,
    receiver: Receiver,
    token: str,
    *,
    run: int,
    samples: int,
    log: Path,
    separate_worker: bool = False,
) -> LatencyRun:
    """``mailnotify serve`` raising one crossing event every 200 ms, delivered by its
    embedded worker, or with ``separate_worker`` by a ``mailnotify worker`` process of its
    own (woken across processes: LISTEN/NOTIFY on PostgreSQL)."""
    url = env["MAILNOTIFY_DATABASE_URL"]
    server_env = {**env, "MAILNOTIFY_EMBEDDED_WORKER": "false" if separate_worker else "true"}
    headers = {"X-Api-Token": token, "Content-Type": "application/json"}
    sent: dict[str, tuple[float, float]] = {}
    worker = (
        running(mailnotify_argv("worker"), env=env, log=log.with_suffix(".worker.log"))
        if separate_worker
        else nullcontext()
    )
    with worker, serving(server_env, log) as base, httpx.Client(timeout=30) as client:
        # Idle means an empty outbox: the domain_create webhooks of set-up go first.
        deadline = time.monotonic() + 60
        while db.count(url, WEBHOOKS_PENDING) and time.monotonic() < deadline:
            time.sleep(0.1)
        # A moment more, so that the worker sleeps (idle) when the first event comes.
        time.sleep(1.0)
        for number in range(samples):
            code = _latency_code(run, number)
            request = time.time()
            response = client.post(
                f"{base}/api/platform/usage", content=_latency_report(code), headers=headers
            )
            answered = time.time()
            if response.status_code != 200 or response.json()["resources"][0]["events"] != 1:
                raise SystemExit(f"bench: latency sample failed: {response.text[:300]}")
            sent[code] = (request, answered)
            time.sleep(0.2)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            arrivals: dict[str, float] = receiver.stats()["arrivals"]
            if all(code in arrivals for code in sent):
                break
            time.sleep(0.2)
    after_response, after_request = [], []
    for code, (request, answered) in sent.items():
        if code in arrivals:
            after_response.append((arrivals[code] - answered) * 1000)
            after_request.append((arrivals[code] - request) * 1000)
    return LatencyRun(after_response, after_request, len(sent) - len(after_response))
