"""The notification engine's benchmark (issue 4): ``python -m bench.engine [--quick]``.

Measures, on SQLite (or with ``--database postgresql`` on a local PostgreSQL cluster, the
targets of issue 8) and loopback only, each run on fresh databases:

1. ``mailnotify ingest`` of a generated file (1 M reports, 10 % crossing a threshold):
   reports per second (wall time of the process) and its peak RSS;
2. the same reports through ``POST /api/platform/usage`` in batches of 10 000 against
   ``mailnotify serve`` (embedded worker off);
3. webhooks per second delivered by ``mailnotify worker`` (two of them on PostgreSQL)
   from the outbox the ingest left, to an HTTPS receiver in its own process;
4. event to delivery when idle: ``mailnotify serve`` with its embedded worker (on
   PostgreSQL: serve without one, and a ``mailnotify worker`` process woken by
   LISTEN/NOTIFY), one crossing report every 200 ms, p50 and p99.

Writes the backend's markdown section into ``bench/engine_results.md`` and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.engine_data import prepare_world, write_reports
from bench.engine_db import BACKENDS, Databases, databases
from bench.engine_measures import (
    measure_delivery,
    measure_http,
    measure_ingest,
    measure_latency,
)
from bench.engine_procs import (
    ROOT,
    WEBHOOK_HOSTS,
    Receiver,
    mailnotify_env,
    make_certificates,
)
from mailnotify.delivery.signing import generate_secret

RESULTS = ROOT / "bench" / "engine_results.md"
MEASURES = ("ingest", "http", "delivery", "latency")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table."""

    key: str
    label: str
    unit: str
    target: float | None
    # Whether a larger value is better (rates) or a smaller one (latency, memory).
    higher: bool


ROWS = (
    Row("ingest", "`ingest`, wall time", "reports/s", 50_000, higher=True),
    Row("ingest_own", "`ingest`, its own timer (no start-up)", "reports/s", None, higher=True),
    Row("http", "HTTP batches of 10 000", "reports/s", 20_000, higher=True),
    Row("delivery", "webhook delivery (`mailnotify worker`)", "webhooks/s", 500, higher=True),
    Row("p50", "event to delivery, idle, p50", "ms", 200, higher=False),
    Row("p99", "event to delivery, idle, p99", "ms", None, higher=False),
    Row("rss", "`ingest` peak RSS", "MB", 300, higher=False),
)
# Issue 8's targets on PostgreSQL: two workers together, and a worker in a process of
# its own woken across processes.
PG_ROWS = (
    *ROWS[:3],
    Row("delivery", "webhook delivery, two `mailnotify worker`s", "webhooks/s", 1_000, True),
    Row("p50", "event to delivery across processes, p50", "ms", 100, higher=False),
    Row("p99", "event to delivery across processes, p99", "ms", None, higher=False),
    ROWS[6],
)
HEADINGS = {
    "sqlite": "## Notification engine (issue 4)",
    "postgresql": "## Notification engine on PostgreSQL (issue 8)",
}


def rows_of(backend: str) -> tuple[Row, ...]:
    """The results table's rows and targets for ``backend``."""
    return PG_ROWS if backend == "postgresql" else ROWS


@dataclass
class Collected:
    """Every run's value per row, and notes on the runs."""

    values: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, key: str, value: float) -> None:
        """One run's value of row ``key``."""
        self.values.setdefault(key, []).append(value)
        self.loads.append(os.getloadavg()[0])


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _table(collected: Collected, rows: Sequence[Row]) -> list[str]:
    lines = [
        "| Measure | Target | Median | Runs | Spread (min-max) | Met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        values = collected.values.get(row.key)
        if not values:
            continue
        median = statistics.median(values)
        target = "-"
        met = "-"
        if row.target is not None:
            sign = "≥" if row.higher else "<"
            target = f"{sign} {_fmt(row.target, row.unit)} {row.unit}"
            ok = median >= row.target if row.higher else median < row.target
            met = "yes" if ok else "**no**"
        spread = f"{_fmt(min(values), row.unit)}-{_fmt(max(values), row.unit)}"
        lines.append(
            f"| {row.label} | {target} | {_fmt(median, row.unit)} {row.unit} | "
            f"{len(values)} | {spread} | {met} |"
        )
    return lines


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH)
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def render(collected: Collected, args: argparse.Namespace, seconds: float, where: str) -> str:
    """The markdown results section."""
    loads = collected.loads or [0.0]
    pg = args.database == "postgresql"
    lines = [
        HEADINGS[args.database],
        "",
        f"`python -m bench.engine{' --quick' if args.quick else ''} --database {args.database}"
        f" --reports {args.reports} --runs {args.runs}`: {args.reports:,} reports"
        f" ({args.reports // 10:,} mailboxes x 10 rounds), 10 % of them crossing a threshold;"
        f" {where}, loopback HTTPS receiver (uvicorn, trustme certificate) in its own process.",
        "",
        *_table(collected, rows_of(args.database)),
        "",
        f"Medians over the runs; every run starts on fresh databases. Machine: {os.cpu_count()}"
        f" cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
        f" commit {_commit()}; load average (1 min) during the runs"
        f" {min(loads):.1f}-{max(loads):.1f}: other work shared the machine, so single"
        f" runs vary by the spread shown. Total {seconds / 60:.1f} min.",
        "",
        "How each is measured:",
        "- `ingest`: `mailnotify ingest --json FILE` as a subprocess; wall time from start to"
        " exit (Python start-up and imports included), peak RSS by GNU time (`%M`: the"
        " larger of the command and the checking helper it forks for large files)."
        " The file is ordered round by round, as a platform scanning every mailbox would send"
        " it, so each batch touches distinct mailboxes.",
        "- HTTP: `mailnotify serve` (one uvicorn worker, embedded delivery worker off, access"
        f" log on), {args.http_connections} client connection(s) posting 10 000-report"
        " batches (prebuilt bodies), from the first request to the last answer.",
        f"- Delivery: {args.workers} `mailnotify worker` process(es) on the outbox the ingest"
        " left; the rate is counted in the database (`status = 'delivered'`) from the first"
        f" delivered row to the first {args.deliveries:,} (or all, if fewer), so process"
        " start-up is excluded. The receiver answers 200 and checks one signature in 100.",
        "- Latency: "
        + (
            "`mailnotify serve` without its embedded worker raises the events and a"
            " `mailnotify worker` process delivers them, woken by LISTEN/NOTIFY;"
            if pg
            else "`mailnotify serve` with its embedded worker;"
        )
        + f" one report crossing a threshold every 200 ms ({args.samples} per run), after the"
        " outbox is empty; from the client's moment of sending the POST to the receiver's"
        " arrival time (both `time.time()` on one machine). This includes the request"
        " itself, so it is an upper bound of event to delivery; from the POST's answer it is"
        " lower still.",
        "",
        *collected.notes,
    ]
    return "\n".join(lines).rstrip() + "\n"


def run(args: argparse.Namespace) -> tuple[Collected, str]:
    """Every run of every selected measure; and where the databases were."""
    work = Path(tempfile.mkdtemp(prefix="mailnotify-bench-engine-"))
    print(f"bench: working in {work}", file=sys.stderr)
    with databases(args.database, work) as store:
        collected = _runs(args, work, store)
        where = store.describe()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return collected, where


def _runs(args: argparse.Namespace, work: Path, store: Databases) -> Collected:
    collected = Collected()
    certificates = make_certificates(work)
    secret = generate_secret()
    reports = write_reports(work / "reports.jsonl", args.reports)
    mailboxes = reports.reports // 10
    collected.notes.append(
        f"The file: {reports.reports:,} reports, {reports.crossing:,} of them crossing"
        f" ({reports.crossing / reports.reports:.1%})."
    )
    receiver = Receiver(work, certificates, secret)
    with receiver.serving():
        hook, lat = f"{receiver.url}/hook", f"{receiver.url}/lat"
        for number in range(args.runs):
            base = work / f"run{number}"
            base.mkdir()
            if {"ingest", "delivery"} & set(args.only):
                url = store.create(f"bench_ingest_{number}")
                world = prepare_world(
                    url,
                    mailboxes=mailboxes,
                    hook_url=hook,
                    latency_url=lat,
                    secret=secret,
                    hosts=args.hosts,
                )
                env = mailnotify_env(world.url, certificates)
                result = measure_ingest(env, reports, base / "ingest.log")
                print(f"bench: ingest {result}", file=sys.stderr)
                collected.add("ingest", result.rate)
                collected.add("ingest_own", result.lines / result.own_seconds)
                collected.add("rss", result.peak_rss_mb)
                if "delivery" in args.only:
                    delivery = measure_delivery(
                        env, store, receiver, args.deliveries, base / "worker.log", args.workers
                    )
                    print(f"bench: delivery {delivery}", file=sys.stderr)
                    collected.add("delivery", delivery.rate)
                    if number == 0:
                        collected.notes.append(
                            f"Outbox after ingest: {delivery.pending:,} pending webhooks;"
                            f" signatures checked by the receiver: {delivery.verified} good,"
                            f" {delivery.bad_signatures} bad; the workers also made"
                            f" {delivery.email_attempts:,} attempts at mailbox warnings, which"
                            " wait for SMTP (not configured here) (first run)."
                        )
                store.remove(url)
            if "http" in args.only:
                url = store.create(f"bench_http_{number}")
                world = prepare_world(
                    url, mailboxes=mailboxes, hook_url=hook, latency_url=lat, secret=secret
                )
                env = mailnotify_env(world.url, certificates)
                rate = measure_http(
                    env,
                    reports,
                    world.platform_token,
                    base / "serve-http.log",
                    args.http_connections,
                )
                print(f"bench: http {rate:,.0f} reports/s", file=sys.stderr)
                collected.add("http", rate)
                store.remove(url)
            if "latency" in args.only:
                url = store.create(f"bench_latency_{number}")
                world = prepare_world(
                    url, mailboxes=100, hook_url=hook, latency_url=lat, secret=secret
                )
                env = mailnotify_env(world.url, certificates)
                latency = measure_latency(
                    env,
                    store,
                    receiver,
                    world.platform_token,
                    run=number,
                    samples=args.samples,
                    log=base / "serve-latency.log",
                    separate_worker=args.database == "postgresql",
                )
                if latency.lost:
                    raise SystemExit(f"bench: {latency.lost} latency webhooks never arrived")
                p50 = _percentile(latency.after_request, 0.5)
                p99 = _percentile(latency.after_request, 0.99)
                print(
                    f"bench: latency p50 {p50:.1f} ms p99 {p99:.1f} ms (from the answer:"
                    f" p50 {_percentile(latency.after_response, 0.5):.1f} ms)",
                    file=sys.stderr,
                )
                collected.add("p50", p50)
                collected.add("p99", p99)
                store.remove(url)
    return collected


def write_section(text: str, heading: str, path: Path = RESULTS) -> None:
    """Put ``text``, the section under ``heading``, into ``path``: it replaces that
    section and keeps the other backend's."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    order = list(HEADINGS.values())
    sections = {heading: text}
    for part in ("\n" + old).split("\n## ")[1:]:
        title = "## " + part.split("\n", 1)[0]
        sections.setdefault(title, "## " + part.strip("\n") + "\n")
    titles = sorted(sections, key=lambda t: order.index(t) if t in order else len(order))
    path.write_text("\n".join(sections[t] for t in titles), encoding="utf-8")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 000 reports, 50 samples")
    parser.add_argument("--reports", type=int, help="reports in the file (default 1 000 000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of every measure (3)")
    parser.add_argument("--deliveries", type=int, default=20_000, help="webhooks timed (20 000)")
    parser.add_argument("--samples", type=int, help="latency samples per run (100)")
    parser.add_argument("--http-connections", type=int, default=1)
    parser.add_argument("--database", choices=BACKENDS, default="sqlite", help="(sqlite)")
    parser.add_argument(
        "--workers", type=int, help="delivery worker processes (1; 2 on PostgreSQL)"
    )
    parser.add_argument(
        "--only", default=",".join(MEASURES), help="comma-separated subset of " + ",".join(MEASURES)
    )
    parser.add_argument(
        "--hosts",
        type=int,
        default=WEBHOOK_HOSTS,
        help=f"webhook hosts the accounts' URLs spread over ({WEBHOOK_HOSTS}; 0: one)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)
    if args.reports is None:
        args.reports = 100_000 if args.quick else 1_000_000
    if args.samples is None:
        args.samples = 50 if args.quick else 100
    if args.workers is None:
        args.workers = 2 if args.database == "postgresql" else 1
    args.only = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(args.only) - set(MEASURES)
    if unknown:
        parser.error(f"unknown measures: {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print and write the results; 1 if a target is missed."""
    args = parse(argv)
    started = time.monotonic()
    collected, where = run(args)
    text = render(collected, args, time.monotonic() - started, where)
    print(text)
    if not args.no_write:
        write_section(text, HEADINGS[args.database])
    missed = [
        row.label
        for row in rows_of(args.database)
        if row.target is not None
        and collected.values.get(row.key)
        and not (
            statistics.median(collected.values[row.key]) >= row.target
            if row.higher
            else statistics.median(collected.values[row.key]) < row.target
        )
    ]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
