"""Issue 9's benchmark: ``python -m bench.delivery_log [--quick]``.

1. The delivery log: a user with 1 M deliveries (and a tenth as many of another user
   interleaved, plus one attempt per delivery) on SQLite; 25 deliveries on page 1 and on
   page 400, through ``mailnotify serve`` (GET .../deliveries?page=N&per=25, sequential
   keep-alive requests, server pinned to CPU 0 and this client to CPU 1) and the query
   alone (``outbox.log.list_deliveries`` in this process). p50 per page, several
   interleaved rounds, medians of the rounds.
2. What recording attempts costs the worker: ``mailnotify worker`` with and without the
   ``delivery_attempts`` insert (``bench.worker_variant``) on copies of one outbox, in
   alternating order, webhooks/s and worker CPU per webhook, medians of paired ratios.

Writes ``bench/delivery_log_results.md``; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.engine_data import prepare_world, write_reports
from bench.engine_measures import measure_ingest
from bench.engine_procs import (
    PYTHON,
    ROOT,
    Receiver,
    free_port,
    mailnotify_argv,
    mailnotify_env,
    make_certificates,
    running,
    wait_for,
)
from bench.proc import busy_cores, cpu_seconds, median, percentile, pinned
from bench.worker_variant import _no_attempt
from mailnotify import accounts, migrate
from mailnotify.db import make_engine, writing
from mailnotify.delivery.outcome import Outcome, OutcomeKind
from mailnotify.delivery.signing import generate_secret
from mailnotify.models import Channel, Delivery, Role, table_of
from mailnotify.outbox import log
from mailnotify.outbox import store as store_module
from mailnotify.outbox.jobs import Job, Result
from mailnotify.outbox.store import Store

RESULTS = ROOT / "bench" / "delivery_log_results.md"
PAGES = (1, 400)
PER = 25
LIST_TARGET_MS = 5.0
ATTEMPTS_MAX_COST = 0.10
# Every OTHER_EVERY-th delivery belongs to another user, so the table is larger than the log.
OTHER_EVERY = 11
BASE_MS = 1_790_000_000_000
SERVER_CPU, CLIENT_CPU = 0, 1

_FILL = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :total) ",
    "INSERT INTO events (id, action_type, domain_name, created_at, body)"
    " SELECT printf('evt_%013x%011d', (:base + i) * 1000, i), 'email_overquota',"
    " 'bench.test', '2026-11-24 10:00:00.000000', '{\"id\": \"evt\"}' FROM n",
    "INSERT INTO deliveries (id, public_id, event_id, user_id, channel, recipient, status,"
    " attempts, due_ms, lease_until_ms, last_error, delivered_ms, destination, created_ms)"
    " SELECT i, printf('dlv_%013x%022d', (:base + i) * 1000, i),"
    " printf('evt_%013x%011d', (:base + i) * 1000, i),"
    " CASE WHEN i % :every = 0 THEN :other ELSE :user END, 'webhook', NULL, 'delivered', 1,"
    " :base + i, NULL, NULL, :base + i + 40, 'https://hooks.example.com/bench', :base + i"
    " FROM n",
    "INSERT INTO delivery_attempts (delivery_id, number, started_at, duration_ms,"
    " status_code, error, response_excerpt)"
    " SELECT i, 1, '2026-11-24 10:00:00.000000', 40, 200, NULL, 'ok' FROM n",
)


@dataclass(frozen=True, slots=True)
class DeliveryLog:
    """A database holding a large delivery log."""

    url: str
    path: Path
    token: str
    user_id: int
    deliveries: int
    total: int


def build_log(path: Path, deliveries: int) -> DeliveryLog:
    """A migrated SQLite file where one customer has ``deliveries`` deliveries."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with writing(engine) as session:
            user = accounts.create_user(session=session, role=Role.customer, name="Bench log")
            other = accounts.create_user(session=session, role=Role.customer, name="Other")
            ids = {
                code: accounts.user_by_code(session=session, code=code).id
                for code in (user.code, other.code)
            }
    finally:
        engine.dispose()
    total = deliveries + deliveries // (OTHER_EVERY - 1)
    values = {
        "total": total,
        "base": BASE_MS,
        "every": OTHER_EVERY,
        "user": ids[user.code],
        "other": ids[other.code],
    }
    with sqlite3.connect(path) as connection:
        cte = _FILL[0]
        for insert in _FILL[1:]:
            connection.execute(cte + insert, values)
        connection.execute("ANALYZE")
    with sqlite3.connect(path) as connection:
        owned = connection.execute(
            "SELECT count(*) FROM deliveries WHERE user_id = ?", (ids[user.code],)
        ).fetchone()[0]
    user_id = ids[user.code]
    assert user_id is not None
    return DeliveryLog(url, path, user.token, user_id, int(owned), total)


@dataclass
class Collected:
    """Per-round figures of every measure, and what the run noticed."""

    values: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, key: str, value: float) -> None:
        """One round's value of ``key``."""
        self.values.setdefault(key, []).append(value)
        self.loads.append(busy_cores())

    def median(self, key: str) -> float:
        """The median over rounds of ``key``."""
        return median(self.values.get(key, []))


def measure_query(built: DeliveryLog, collected: Collected, *, rounds: int, calls: int) -> None:
    """``list_deliveries`` alone, in this process: p50 per page, per round.

    Its ``total_records`` count is timed on its own too (the same statement), because it
    is the one part whose cost grows with the user's deliveries.
    """
    engine = make_engine(built.url)
    where = log.DeliveryFilter()
    table = table_of(Delivery)
    count = select(func.count()).select_from(table).where(table.c.user_id == built.user_id)
    try:
        with engine.connect() as connection:
            for _ in range(rounds):
                times: dict[int, list[float]] = {page: [] for page in PAGES}
                counting = []
                for _ in range(calls):
                    started = time.perf_counter()
                    connection.execute(count).scalar_one()
                    counting.append((time.perf_counter() - started) * 1000)
                    for page in PAGES:
                        started = time.perf_counter()
                        found = log.list_deliveries(
                            connection, user_id=built.user_id, where=where, page=page, per=PER
                        )
                        times[page].append((time.perf_counter() - started) * 1000)
                        assert len(found.resources) == PER, found.total_records
                        connection.rollback()
                for page in PAGES:
                    collected.add(f"query_p{page}", percentile(times[page], 0.5))
                collected.add("query_count", percentile(counting, 0.5))
    finally:
        engine.dispose()


def measure_served(
    built: DeliveryLog, collected: Collected, *, rounds: int, calls: int, log_path: Path
) -> None:
    """GET .../deliveries?page=N through ``mailnotify serve``: p50, p99, server CPU."""
    port = free_port()
    env = {
        **mailnotify_env_plain(built.url),
        "MAILNOTIFY_EMBEDDED_WORKER": "false",
    }
    argv = pinned(SERVER_CPU, mailnotify_argv("serve", f"--port={port}"))
    base = f"http://127.0.0.1:{port}"
    affinity = os.sched_getaffinity(0)
    with running(argv, env=env, log=log_path) as server, httpx.Client(timeout=30) as client:
        wait_for(lambda: client.get(f"{base}/healthz").status_code == 200, "serve")
        if len(affinity) > 1:
            os.sched_setaffinity(0, {CLIENT_CPU})
        headers = {"X-Api-Token": built.token, "Accept": "application/json"}
        try:
            for page in PAGES:  # warm-up
                _get_page(client, base, headers, page, built.deliveries)
            for _ in range(rounds):
                for page in PAGES:
                    times = []
                    cpu = cpu_seconds(server.pid)
                    for _ in range(calls):
                        started = time.perf_counter()
                        _get_page(client, base, headers, page, built.deliveries)
                        times.append((time.perf_counter() - started) * 1000)
                    used = cpu_seconds(server.pid) - cpu
                    collected.add(f"served_p{page}", percentile(times, 0.5))
                    collected.add(f"served_p99_p{page}", percentile(times, 0.99))
                    collected.add(f"served_cpu_p{page}", used / calls * 1e6)
        finally:
            os.sched_setaffinity(0, affinity)


def _get_page(
    client: httpx.Client, base: str, headers: dict[str, str], page: int, owned: int
) -> None:
    response = client.get(
        f"{base}/api/users/me/notifications/deliveries",
        params={"page": page, "per": PER},
        headers=headers,
    )
    if response.status_code != 200:
        raise SystemExit(f"bench: listing page {page}: {response.status_code} {response.text}")
    body = response.json()
    if len(body["resources"]) != PER or body["pagination"]["total_records"] != owned:
        raise SystemExit(f"bench: listing page {page} answered {body['pagination']}")


def mailnotify_env_plain(url: str) -> dict[str, str]:
    """A clean environment for a mailnotify process on ``url`` (no receiver needed)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update({"MAILNOTIFY_DATABASE_URL": url, "PYTHONPATH": str(ROOT)})
    return env


# --- recording attempts: the worker with and without the insert -------------------------

VARIANTS = {"attempts": [], "no_attempts": ["--no-attempts"]}
DELIVERED = "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
PENDING = "SELECT count(*) FROM deliveries WHERE status = 'pending' AND channel = 'webhook'"


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
        return int(connection.execute(sql).fetchone()[0])


@dataclass(frozen=True, slots=True)
class WorkerRun:
    """Webhooks one worker variant delivered, in how long and with how much CPU."""

    delivered: int
    seconds: float
    cpu_seconds: float
    attempt_rows: int

    @property
    def rate(self) -> float:
        """Webhooks per second."""
        return self.delivered / self.seconds

    @property
    def cpu_us(self) -> float:
        """Worker CPU per webhook, in microseconds."""
        return self.cpu_seconds / self.delivered * 1e6


def run_worker(env: dict[str, str], db: Path, flags: list[str], goal: int, log: Path) -> WorkerRun:
    """``bench.worker_variant`` on ``db`` until ``goal`` webhooks are delivered."""
    argv = pinned(SERVER_CPU, [PYTHON, "-m", "bench.worker_variant", *flags])
    with running(argv, env=env, log=log) as process:
        first = first_cpu = 0.0
        first_count = done = 0
        deadline = time.monotonic() + 60 + goal / 50
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            done = _count(db, DELIVERED)
            if done and not first:
                first, first_count, first_cpu = now, done, cpu_seconds(process.pid)
            if done >= goal or now > deadline or process.poll() is not None:
                cpu = cpu_seconds(process.pid) if process.poll() is None else first_cpu
                break
    if done < goal:
        raise SystemExit(f"bench: the worker delivered {done} of {goal}; see {log}")
    rows = _count(db, "SELECT count(*) FROM delivery_attempts")
    return WorkerRun(done - first_count, now - first, cpu - first_cpu, rows)


def measure_worker(
    work: Path, collected: Collected, *, rounds: int, reports_count: int, goal: int
) -> None:
    """Both variants on copies of one outbox per round, in alternating order."""
    certificates = make_certificates(work)
    secret = generate_secret()
    reports = write_reports(work / "reports.jsonl", reports_count)
    receiver = Receiver(work, certificates, secret)
    with receiver.serving():
        for number in range(rounds):
            base = work / f"worker{number}"
            base.mkdir()
            source = base / "outbox.db"
            world = prepare_world(
                f"sqlite:///{source}",
                mailboxes=reports.reports // 10,
                hook_url=f"{receiver.url}/hook",
                latency_url=f"{receiver.url}/lat",
                secret=secret,
            )
            env = mailnotify_env(world.url, certificates)
            measure_ingest(env, reports, base / "ingest.log")
            pending = _count(source, PENDING)
            target = min(goal, pending)
            order = list(VARIANTS) if number % 2 == 0 else list(reversed(VARIANTS))
            runs: dict[str, WorkerRun] = {}
            for name in order:
                db = base / f"{name}.db"
                shutil.copyfile(source, db)
                for suffix in ("-wal", "-shm"):
                    if Path(f"{source}{suffix}").exists():
                        shutil.copyfile(f"{source}{suffix}", f"{db}{suffix}")
                run = run_worker(
                    mailnotify_env(f"sqlite:///{db}", certificates),
                    db,
                    VARIANTS[name],
                    target,
                    base / f"{name}.log",
                )
                print(
                    f"bench: worker {name}: {run.rate:,.0f} webhooks/s,"
                    f" {run.cpu_us:,.0f} us CPU each, {run.attempt_rows:,} attempt rows",
                    file=sys.stderr,
                )
                runs[name] = run
                collected.add(f"rate_{name}", run.rate)
                collected.add(f"cpu_{name}", run.cpu_us)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
            with_rows, without = runs["attempts"], runs["no_attempts"]
            if without.attempt_rows or not with_rows.attempt_rows:
                raise SystemExit("bench: the variants did not differ in attempt rows")
            collected.add("rate_cost", 1 - with_rows.rate / without.rate)
            collected.add("cpu_cost", with_rows.cpu_us / without.cpu_us - 1)
            # What one idle core would deliver: the steady figure on a shared machine.
            collected.add("cpu_rate_cost", 1 - without.cpu_us / with_rows.cpu_us)
            if number == 0:
                collected.notes.append(
                    f"Outbox per round: {pending:,} pending webhooks from {reports.reports:,}"
                    f" ingested reports; {target:,} timed per variant."
                )


# --- recording attempts: Store.record alone, in this process ------------------------------

RECORD_BATCHES = (1, 16)


def _record_results(path: Path, count: int) -> tuple[str, list[Result]]:
    """A database with ``count`` leased deliveries, and a delivered result for each."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    lease = BASE_MS + 60_000
    with sqlite3.connect(path) as connection:
        values = {
            "total": count,
            "base": BASE_MS,
            "every": OTHER_EVERY,
            "user": None,
            "other": None,
        }
        for insert in _FILL[1:3]:
            connection.execute(_FILL[0] + insert, values)
        connection.execute(
            "UPDATE deliveries SET status = 'pending', delivered_ms = NULL, lease_until_ms = ?",
            (lease,),
        )
        connection.execute("DELETE FROM delivery_attempts")
    jobs = [
        Job(
            delivery_id=number,
            lease_until_ms=lease,
            attempts=1,
            channel=Channel.webhook,
            recipient=None,
            event_id=f"evt_{number}",
            action_type="email_overquota",
            body="{}",
            settings=None,
        )
        for number in range(1, count + 1)
    ]
    verdict = Outcome(OutcomeKind.DELIVERED, "HTTP 200", status=200, excerpt="ok")
    return url, [
        Result(job, verdict, BASE_MS, 12, "https://hooks.example.com/bench") for job in jobs
    ]


def measure_record(work: Path, collected: Collected, *, rounds: int, per_round: int) -> None:
    """CPU of ``Store.record`` per result with and without the attempt rows, batch by batch."""
    variants = {"attempts": store_module._attempt, "no_attempts": _no_attempt}
    per_variant = per_round * len(RECORD_BATCHES)
    url, results = _record_results(work / "record.db", rounds * len(variants) * per_variant)
    engine = make_engine(url)
    store = Store(engine, clock=lambda: BASE_MS + 1_000, lease_ms=60_000)
    results.reverse()
    try:
        for number in range(rounds):
            spent: dict[tuple[str, int], float] = {}
            order = list(variants) if number % 2 == 0 else list(reversed(variants))
            for batch in RECORD_BATCHES:
                for name in order:
                    store_module._attempt = variants[name]
                    cpu = 0.0
                    for _ in range(per_round // batch):
                        chunk = [results.pop() for _ in range(batch)]
                        started = time.thread_time()
                        store.record(chunk)
                        cpu += time.thread_time() - started
                    spent[name, batch] = cpu / (per_round // batch * batch) * 1e6
            for batch in RECORD_BATCHES:
                collected.add(f"record_{batch}_attempts", spent["attempts", batch])
                collected.add(f"record_{batch}_no_attempts", spent["no_attempts", batch])
    finally:
        store_module._attempt = variants["attempts"]
        engine.dispose()


# --- the report -------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def render(collected: Collected, args: argparse.Namespace, built: DeliveryLog | None) -> str:
    """The markdown results section."""
    c = collected
    lines = ["## Delivery log and attempt rows (issue 9)", ""]
    rows = ["| measure | target | median | rounds (min-max) | met |", "|---|---|--:|--:|---|"]
    missed = []

    def row(key: str, label: str, target: str, ok: bool | None, unit: str, fmt: str) -> None:
        values = c.values.get(key)
        if not values:
            return
        spread = f"{format(min(values), fmt)}-{format(max(values), fmt)}"
        rows.append(
            f"| {label} | {target} | {format(median(values), fmt)} {unit} |"
            f" {len(values)} ({spread}) | {'-' if ok is None else _met(ok)} |"
        )
        if ok is False:
            missed.append(label)

    for page in PAGES:
        p50 = c.median(f"served_p{page}")
        row(f"served_p{page}", f"GET page {page}, p50", "< 5 ms", p50 < LIST_TARGET_MS, "ms", ".2f")
        row(f"served_p99_p{page}", f"GET page {page}, p99", "-", None, "ms", ".2f")
        row(f"served_cpu_p{page}", f"GET page {page}, server CPU", "-", None, "us/req", ",.0f")
    for page in PAGES:
        p50 = c.median(f"query_p{page}")
        row(
            f"query_p{page}",
            f"query alone, page {page}, p50",
            "< 5 ms",
            p50 < LIST_TARGET_MS,
            "ms",
            ".2f",
        )
    row("query_count", "of which the total_records count, p50", "-", None, "ms", ".2f")
    row("rate_no_attempts", "worker without attempt rows", "-", None, "webhooks/s", ",.0f")
    row("rate_attempts", "worker with attempt rows", "-", None, "webhooks/s", ",.0f")
    row("rate_cost", "webhooks/s lost to attempt rows (paired, wall clock)", "-", None, "", ".1%")
    cost = c.median("cpu_rate_cost")
    row(
        "cpu_rate_cost",
        "webhooks per CPU-second lost to attempt rows (paired)",
        "≤ 10 %",
        cost <= ATTEMPTS_MAX_COST,
        "",
        ".1%",
    )
    row("cpu_no_attempts", "worker CPU per webhook, without", "-", None, "us", ",.0f")
    row("cpu_attempts", "worker CPU per webhook, with", "-", None, "us", ",.0f")
    row("cpu_cost", "CPU per webhook added by attempt rows (paired)", "-", None, "", ".1%")
    for batch in RECORD_BATCHES:
        for name, label in (("no_attempts", "without"), ("attempts", "with")):
            row(
                f"record_{batch}_{name}",
                f"`Store.record` CPU per result, batches of {batch}, {label} attempt rows",
                "-",
                None,
                "us",
                ",.0f",
            )
    loads = c.loads or [0.0]
    lines += [
        f"`python -m bench.delivery_log{' --quick' if args.quick else ''}`, run"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, commit"
        f" {_commit()}. Load average (1 min) during the run {min(loads):.1f}-{max(loads):.1f}"
        " (the machine is shared: medians of rounds, ratios within a round).",
        "",
        *rows,
        "",
    ]
    if built is not None:
        lines.append(
            f"The log: {built.deliveries:,} deliveries of the user, {built.total:,} rows in"
            " `deliveries` (every 11th another user's), one `delivery_attempts` row each."
            f" {args.calls} requests per page per round, pages interleaved; served by"
            " `mailnotify serve` (access log on, embedded worker off) pinned to CPU 0, this"
            " client (sequential httpx, keep-alive) on CPU 1. The query alone is"
            " `outbox.log.list_deliveries` on one connection in this process."
        )
    lines += [
        "The worker: `mailnotify worker` (`bench.worker_variant`, pinned to CPU 0) on copies"
        " of one outbox per round, the variant without the `delivery_attempts` insert and"
        " the shipped one in alternating order; the rate from the first delivered row to"
        " the goal (counted in the database), CPU from /proc over the same window (the target"
        " is judged on webhooks per CPU-second, 1 / CPU per webhook: wall-clock rates on this"
        " shared machine vary more between runs than the effect measured); the"
        " HTTPS receiver (`bench/engine_receiver.py`) in its own process.",
        *c.notes,
    ]
    if missed:
        lines += ["", "Missed: " + ", ".join(missed) + "."]
    return "\n".join(lines).rstrip() + "\n"


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


def missed(collected: Collected) -> list[str]:
    """The targets missed."""
    found = [
        key
        for key in ("served_p1", "served_p400", "query_p1", "query_p400")
        if collected.values.get(key) and not collected.median(key) < LIST_TARGET_MS
    ]
    cost = collected.values.get("cpu_rate_cost")
    if cost and median(cost) > ATTEMPTS_MAX_COST:
        found.append("cpu_rate_cost")
    return found


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.delivery_log", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="100 000 deliveries, 2 rounds; print only"
    )
    parser.add_argument("--deliveries", type=int, help="the user's deliveries (1 000 000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (5)")
    parser.add_argument("--calls", type=int, default=100, help="requests per page per round")
    parser.add_argument("--reports", type=int, help="reports ingested per worker round (100 000)")
    parser.add_argument("--webhooks", type=int, help="webhooks timed per variant (5 000)")
    parser.add_argument("--record", type=int, default=2_000, help="results per batch size")
    parser.add_argument("--only", default="list,record,worker", help="list, record, worker")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)
    quick = args.quick
    # A smoke run prints its figures and leaves the results file of the full run alone.
    args.no_write = args.no_write or args.quick
    args.deliveries = args.deliveries or (100_000 if quick else 1_000_000)
    args.rounds = args.rounds or (2 if quick else 5)
    args.reports = args.reports or (30_000 if quick else 100_000)
    args.webhooks = args.webhooks or (1_500 if quick else 5_000)
    if quick:
        args.calls = min(args.calls, 30)
    args.only = {part.strip() for part in args.only.split(",") if part.strip()}
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print and write the results; 1 if a target is missed."""
    args = parse(argv)
    work = Path(tempfile.mkdtemp(prefix="mailnotify-bench-log-"))
    print(f"bench: working in {work}", file=sys.stderr)
    collected = Collected()
    built = None
    try:
        if "list" in args.only:
            started = time.monotonic()
            built = build_log(work / "log.db", args.deliveries)
            print(
                f"bench: {built.total:,} deliveries written in {time.monotonic() - started:.0f} s",
                file=sys.stderr,
            )
            measure_query(built, collected, rounds=args.rounds, calls=args.calls)
            measure_served(
                built, collected, rounds=args.rounds, calls=args.calls, log_path=work / "serve.log"
            )
        if "record" in args.only:
            measure_record(work, collected, rounds=args.rounds, per_round=args.record)
        if "worker" in args.only:
            measure_worker(
                work,
                collected,
                rounds=args.rounds,
                reports_count=args.reports,
                goal=args.webhooks,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = render(collected, args, built)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
    return 1 if missed(collected) else 0


if __name__ == "__main__":
    raise SystemExit(main())
