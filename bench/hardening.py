"""Issue 7's benchmark: ``python -m bench.hardening [--quick]``.

1. Big invalid bodies: ``POST /api/platform/usage`` with the platform's token and a body
   just under the 16 MiB cap, of invalid reports (every field wrong) or of empty objects
   (``{"reports": [{}, {}, ...]}``), against a fresh ``mailnotify serve`` (pinned to
   CPU 0) per body and round: the time to the answer, the server's RSS growth (peak of
   ``/proc/PID/status`` VmRSS sampled every 2 ms, over its RSS before the first body), and
   ``/healthz`` latency measured by a second connection while the bodies are processed.
2. A receiver that never answers: ``mailnotify serve`` with its embedded worker; every
   sample is one usage POST raising one webhook for tenant B (an answering receiver) and
   one for tenant A, whose webhook host (another loopback address) either answers
   (``ok``) or reads the request and never answers (``hang``), after 100 webhooks for A
   were queued first. Event to delivery for B, the two variants on copies of one database
   in alternating order; the added delay is the paired difference of medians.

Writes ``bench/hardening_results.md``; exits 1 if a target is missed.
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
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import trustme
from sqlalchemy import text

from bench.engine_data import LATENCY_DOMAIN, prepare_world
from bench.engine_procs import (
    PYTHON,
    ROOT,
    Certificates,
    Receiver,
    free_port,
    mailnotify_argv,
    mailnotify_env,
    running,
    wait_for,
)
from bench.proc import busy_cores, cpu_seconds, median, memory_kb, percentile, pinned
from mailnotify import accounts, intake
from mailnotify.db import make_engine, writing
from mailnotify.delivery.signing import generate_secret
from mailnotify.json_body import MAX_BODY, MAX_VALUES
from mailnotify.models import DomainStatus, Role

RESULTS = ROOT / "bench" / "hardening_results.md"
SERVER_CPU, CLIENT_CPU = 0, 1
ANSWER_TARGET_S = 1.0
RSS_TARGET_MB = 50.0
HEALTHZ_TARGET_MS = 50.0
ADDED_DELAY_TARGET_MS = 100.0
HANG_HOST = "127.0.0.2"
HANG_DOMAIN = "hang.bench.test"
PRELOAD = 100
# Every field wrong; EMAIL_PAD pads the address so that a body holds fewer items.
INVALID_REPORT = (
    '{"email_address":"not an address%s","email_code":"","domain_name":"-bad-",'
    '"observed_at":"yesterday","space":{"used":-1,"assigned":"many"},'
    '"messages":{"used":null,"assigned":-5},"extra":true}'
)


def invalid_report(size: int) -> bytes:
    """An invalid usage report of about ``size`` bytes."""
    short = len(INVALID_REPORT % "")
    return (INVALID_REPORT % ("x" * max(0, size - short))).encode()


def big_body(item: bytes, count: int | None = None) -> tuple[bytes, int]:
    """``{"reports": [item, ...]}``, ``count`` items or as many as fit under the cap."""
    head, tail = b'{"reports":[', b"]}"
    fits = (MAX_BODY - len(head) - len(tail) + 1) // (len(item) + 1)
    count = fits if count is None else min(count, fits)
    return head + b",".join([item] * count) + tail, count


def _bodies() -> dict[str, tuple[bytes, int]]:
    """The big bodies, each just under 16 MiB.

    At the batch limit (10 000 reports) and at the parser's bound on JSON values (each
    invalid report counts 20 of ``MAX_VALUES``) the whole validation runs; a body of
    empty objects is over that bound and is refused before parsing.
    """
    at_bound = MAX_VALUES * 96 // 100 // 20
    found = {}
    counts = (("10 000 invalid reports", 10_000), ("invalid reports at the value bound", at_bound))
    for name, count in counts:
        found[name] = big_body(invalid_report((MAX_BODY - 16) // count - 1), count)
    found["empty objects"] = big_body(b"{}")
    return found


BODIES = ("10 000 invalid reports", "invalid reports at the value bound", "empty objects")


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


def _plain_env(url: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update({"MAILNOTIFY_DATABASE_URL": url, "PYTHONPATH": str(ROOT)})
    return env


@contextmanager
def _client_cpu() -> Iterator[None]:
    affinity = os.sched_getaffinity(0)
    if len(affinity) > 1:
        os.sched_setaffinity(0, {CLIENT_CPU})
    try:
        yield
    finally:
        os.sched_setaffinity(0, affinity)


@contextmanager
def _served(env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    argv = pinned(SERVER_CPU, mailnotify_argv("serve", f"--port={port}"))
    base = f"http://127.0.0.1:{port}"
    with running(argv, env=env, log=log) as server:
        wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, "serve")
        yield base, server.pid


class RssSampler:
    """The peak VmRSS of a process, sampled every 2 ms while running."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.peak_kb = memory_kb(pid, "VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            try:
                self.peak_kb = max(self.peak_kb, memory_kb(self._pid, "VmRSS"))
            except (OSError, KeyError):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


class HealthProbe:
    """GET /healthz in a loop on its own connection; (start, ms) of each answer."""

    def __init__(self, base: str) -> None:
        self._base = base
        self.samples: list[tuple[float, float]] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get(f"{self._base}/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                ended = time.perf_counter()
                if ok:
                    self.samples.append((started, (ended - started) * 1000))
                else:
                    self.failures += 1
                self._stop.wait(0.005)

    def during(self, windows: Sequence[tuple[float, float]]) -> list[float]:
        """Latencies of the probes that started inside one of ``windows``."""
        return [ms for at, ms in self.samples if any(a <= at <= b for a, b in windows)]

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _platform_db(path: Path) -> tuple[str, str]:
    from mailnotify import migrate

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with writing(engine) as session:
            token = accounts.create_user(session=session, role=Role.platform).token
    finally:
        engine.dispose()
    return url, token


def measure_bodies(work: Path, collected: Collected, *, rounds: int, repeats: int) -> None:
    """Each big body against a fresh server per round, kinds in alternating order."""
    source = work / "platform.db"
    _, token = _platform_db(source)
    bodies = _bodies()
    for name, (body, count) in bodies.items():
        collected.notes.append(f"Body `{name}`: {len(body):,} bytes, {count:,} items.")
    headers = {"X-Api-Token": token, "Content-Type": "application/json"}
    for number in range(rounds):
        names = list(bodies) if number % 2 == 0 else list(reversed(bodies))
        for name in names:
            body, _ = bodies[name]
            db = work / f"bodies{number}-{BODIES.index(name)}.db"
            shutil.copyfile(source, db)
            env = _plain_env(f"sqlite:///{db}")
            with (
                _served(env, work / "serve-bodies.log") as (base, pid),
                _client_cpu(),
                httpx.Client(timeout=120) as client,
            ):
                for _ in range(20):  # warm-up: imports and first-use caches
                    client.get(f"{base}/healthz")
                empty = b'{"reports":[]}'
                client.post(f"{base}/api/platform/usage", content=empty, headers=headers)
                before_kb = memory_kb(pid, "VmRSS")
                windows, answers, cpu = [], [], []
                with HealthProbe(base) as probe:
                    idle = (time.perf_counter(), time.perf_counter() + 1.0)
                    time.sleep(1.0)
                    for repeat in range(repeats):
                        with RssSampler(pid) as sampler:
                            used = cpu_seconds(pid)
                            started = time.perf_counter()
                            response = client.post(
                                f"{base}/api/platform/usage", content=body, headers=headers
                            )
                            ended = time.perf_counter()
                            cpu.append(cpu_seconds(pid) - used)
                        if response.status_code != 422:
                            raise SystemExit(
                                f"bench: {name} answered {response.status_code}: "
                                f"{response.text[:300]}"
                            )
                        windows.append((started, ended))
                        answers.append(ended - started)
                        if repeat == 0:
                            collected.add(f"rss_{name}", (sampler.peak_kb - before_kb) / 1024)
                            collected.add(f"error_kb_{name}", len(response.content) / 1024)
                        time.sleep(0.2)
                    after_kb = memory_kb(pid, "VmRSS")
                during = probe.during(windows)
                collected.add(f"healthz_idle_p99_{name}", percentile(probe.during([idle]), 0.99))
                collected.add(f"answer_{name}", median(answers))
                collected.add(f"answer_max_{name}", max(answers))
                collected.add(f"cpu_{name}", median(cpu))
                collected.add(f"healthz_p99_{name}", percentile(during, 0.99))
                collected.add(f"healthz_p50_{name}", percentile(during, 0.5))
                collected.add(f"healthz_n_{name}", len(during))
                collected.add(f"retained_{name}", (after_kb - before_kb) / 1024)
                if probe.failures:
                    collected.notes.append(f"{probe.failures} /healthz probes failed ({name}).")
            print(
                f"bench: {name}: answers {[round(a, 2) for a in answers]} s,"
                f" healthz p99 {percentile(during, 0.99):.1f} ms over {len(during)},"
                f" rss +{collected.values[f'rss_{name}'][-1]:.0f} MB",
                file=sys.stderr,
            )
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)


# --- a receiver that never answers ------------------------------------------------------


def _certificates(directory: Path) -> Certificates:
    ca = trustme.CA()
    bundle, pem = directory / "ca.pem", directory / "server.pem"
    ca.cert_pem.write_to_path(str(bundle))
    ca.issue_cert("127.0.0.1", HANG_HOST).private_key_and_cert_chain_pem.write_to_path(str(pem))
    return Certificates(bundle, pem)


@contextmanager
def _receiver_at(
    directory: Path, certificates: Certificates, secret: str, host: str
) -> Iterator[str]:
    """Another ``bench.engine_receiver`` bound to ``host``; its base URL."""
    port_file = directory / f"receiver-{host}.port"
    port_file.unlink(missing_ok=True)
    argv = [
        PYTHON,
        "-m",
        "bench.engine_receiver",
        f"--pem={certificates.server_pem}",
        f"--secret={secret}",
        f"--port-file={port_file}",
        f"--host={host}",
    ]
    with running(argv, env=None, log=directory / f"receiver-{host}.log"):
        wait_for(lambda: port_file.exists() and port_file.read_text(), "the second receiver")
        yield f"https://{host}:{int(port_file.read_text())}"


def _hung(base: str, certificates: Certificates) -> int:
    """How many requests the receiver at ``base`` has left unanswered."""
    response = httpx.get(f"{base}/stats", verify=str(certificates.ca_bundle), timeout=10)
    return int(response.json()["hung"])


def _tenant_a(db: Path, url: str) -> None:
    """A second customer with quota webhooks to ``url`` and a domain of its own."""
    engine = make_engine(f"sqlite:///{db}")
    try:
        with writing(engine) as session:
            code = accounts.create_user(session=session, role=Role.customer, name="Tenant A").code
        # A session of its own: the new user's settings row is flushed only at commit.
        with writing(engine) as session:
            session.connection().execute(
                text(
                    "UPDATE notification_settings SET email_overquota_callback = 1,"
                    " notification_url = :url"
                    " WHERE user_id = (SELECT id FROM users WHERE code = :code)"
                ),
                {"url": url, "code": code},
            )
            intake.upsert_domain(
                session=session,
                name=HANG_DOMAIN,
                customer_code=code,
                manager_code=None,
                postmaster_code="PMHANG",
                postmaster_token=None,
                status=DomainStatus.pending,
                now_ms=0,
            )
    finally:
        engine.dispose()


def _report(code: str, domain: str) -> dict[str, object]:
    return {
        "email_address": f"{code.lower()}@{domain}",
        "email_code": code,
        "domain_name": domain,
        "observed_at": "2026-11-24T10:00:00Z",
        "space": {"used": 90, "assigned": 100},
        "messages": {"used": 0, "assigned": 100},
    }


def _latencies(
    env: dict[str, str],
    receiver: Receiver,
    token: str,
    *,
    tag: str,
    samples: int,
    log: Path,
) -> list[float]:
    """Event to delivery (ms, from sending the POST) of tenant B's webhooks."""
    headers = {"X-Api-Token": token, "Content-Type": "application/json"}
    sent: dict[str, float] = {}
    with _served(env, log) as (base, _pid), httpx.Client(timeout=30) as client:
        preload = [_report(f"A{tag}P{n:04d}", HANG_DOMAIN) for n in range(PRELOAD)]
        response = client.post(
            f"{base}/api/platform/usage",
            content=orjson.dumps({"reports": preload}),
            headers=headers,
        )
        if response.status_code != 200:
            raise SystemExit(f"bench: preload failed: {response.text[:300]}")
        time.sleep(0.5)
        for number in range(samples):
            code = f"B{tag}N{number:04d}"
            body = {
                "reports": [
                    _report(code, LATENCY_DOMAIN),
                    _report(f"A{tag}N{number:04d}", HANG_DOMAIN),
                ]
            }
            started = time.time()
            response = client.post(
                f"{base}/api/platform/usage", content=orjson.dumps(body), headers=headers
            )
            if response.status_code != 200 or response.json()["resources"][0]["events"] != 2:
                raise SystemExit(f"bench: latency sample failed: {response.text[:300]}")
            sent[code] = started
            time.sleep(0.2)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            arrivals: dict[str, float] = receiver.stats()["arrivals"]
            if all(code in arrivals for code in sent):
                break
            time.sleep(0.2)
    lost = [code for code in sent if code not in arrivals]
    if lost:
        raise SystemExit(f"bench: {len(lost)} of tenant B's webhooks never arrived ({tag})")
    return [(arrivals[code] - at) * 1000 for code, at in sent.items()]


def measure_hang(work: Path, collected: Collected, *, rounds: int, samples: int) -> None:
    """Tenant B's event to delivery beside tenant A's answering or hanging receiver."""
    certificates = _certificates(work)
    secret = generate_secret()
    receiver = Receiver(work, certificates, secret)
    with receiver.serving(), _receiver_at(work, certificates, secret, HANG_HOST) as other:
        hung_before = 0
        for number in range(rounds):
            order = ["ok", "hang"] if number % 2 == 0 else ["hang", "ok"]
            medians: dict[str, float] = {}
            for variant in order:
                db = work / f"hang{number}-{variant}.db"
                world = prepare_world(
                    f"sqlite:///{db}",
                    mailboxes=100,
                    hook_url=f"{receiver.url}/hook",
                    latency_url=f"{receiver.url}/lat",
                    secret=secret,
                )
                _tenant_a(db, f"{other}/{'hook' if variant == 'ok' else 'hang'}")
                env = mailnotify_env(world.url, certificates)
                # The domain_create webhooks of set-up go first, so that B starts idle.
                times = _latencies(
                    env,
                    receiver,
                    world.platform_token,
                    tag=f"{number}{variant}",
                    samples=samples,
                    log=work / f"serve-{variant}.log",
                )
                hung = _hung(other, certificates)
                if (variant == "hang") != (hung > hung_before):
                    raise SystemExit(f"bench: tenant A's receiver hung {hung - hung_before} times")
                hung_before = hung
                medians[variant] = percentile(times, 0.5)
                collected.add(f"lat_p50_{variant}", percentile(times, 0.5))
                collected.add(f"lat_p99_{variant}", percentile(times, 0.99))
                print(
                    f"bench: tenant B beside an {variant} receiver: p50"
                    f" {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms",
                    file=sys.stderr,
                )
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
            collected.add("added_p50", medians["hang"] - medians["ok"])
            p99 = collected.values
            collected.add("added_p99", p99["lat_p99_hang"][-1] - p99["lat_p99_ok"][-1])


# --- the report -------------------------------------------------------------------------


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


def targets(collected: Collected) -> list[tuple[str, str, str, bool | None]]:
    """(label, target, measured, met) of every target with figures."""
    c = collected
    found: list[tuple[str, str, str, bool | None]] = []
    for name in BODIES:
        if not c.values.get(f"answer_{name}"):
            continue
        answer = c.median(f"answer_{name}")
        rss = c.median(f"rss_{name}")
        health = c.median(f"healthz_p99_{name}")
        found += [
            (
                f"16 MiB of {name}: answered in",
                "< 1 s",
                f"{answer:.2f} s (server CPU {c.median(f'cpu_{name}'):.2f} s)",
                answer < ANSWER_TARGET_S,
            ),
            (
                f"16 MiB of {name}: server RSS added",
                "< 50 MB",
                f"{rss:.0f} MB",
                rss < RSS_TARGET_MB,
            ),
            (
                f"`/healthz` p99 while {name} are processed",
                "< 50 ms",
                f"{health:.1f} ms (p50 {c.median(f'healthz_p50_{name}'):.1f} ms;"
                f" idle p99 {c.median(f'healthz_idle_p99_{name}'):.1f} ms)",
                health < HEALTHZ_TARGET_MS,
            ),
        ]
    if c.values.get("added_p50"):
        added = c.median("added_p50")
        found.append(
            (
                "delay added to another tenant by a receiver that never answers (p50)",
                "< 100 ms",
                f"{added:+.1f} ms",
                added < ADDED_DELAY_TARGET_MS,
            )
        )
    return found


def render(collected: Collected, args: argparse.Namespace) -> str:
    """The markdown results section."""
    c = collected
    loads = c.loads or [0.0]
    lines = [
        "## Hardening (issue 7)",
        "",
        f"`python -m bench.hardening{' --quick' if args.quick else ''}`, run"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, commit"
        f" {_commit()}. Load average (1 min) during the run {min(loads):.1f}-{max(loads):.1f}"
        " (the machine is shared: medians of rounds, differences within a round).",
        "",
        "| target | goal | median of rounds | met |",
        "|---|---|--:|---|",
    ]
    for label, goal, measured, ok in targets(c):
        met = "-" if ok is None else ("yes" if ok else "**no**")
        lines.append(f"| {label} | {goal} | {measured} | {met} |")
    lines += ["", "| figure | median | rounds (min-max) |", "|---|--:|--:|"]
    for key, values in c.values.items():
        lines.append(
            f"| {key} | {median(values):,.2f} | {len(values)} ({min(values):,.2f}-"
            f"{max(values):,.2f}) |"
        )
    lines += [
        "",
        "Units: seconds (`answer_*`; `cpu_*`: the server's CPU time per body, from /proc),"
        " MB (`rss_*`: peak over the RSS before the first body; `retained_*`: RSS after the"
        " bodies over before), KiB (`error_kb_*`: the 422 body), ms (`healthz_*`, `lat_*`,"
        " `added_*`: hang minus ok within a round); `healthz_n_*` is how many probes fell"
        " inside the bodies' processing.",
        f"Bodies: {args.repeats} per server and round, each on a fresh `mailnotify serve`"
        " (default settings, SQLite) pinned to CPU 0; client and `/healthz` probe (its own"
        " keep-alive connection, one request every 5 ms) on CPU 1. The time is the client's,"
        " from the first byte sent to the last byte of the 422, so it includes the upload.",
        f"Hanging receiver: {args.samples} samples per variant and round, one POST every"
        f" 200 ms after {PRELOAD} webhooks for tenant A were queued; tenant A's host is"
        f" {HANG_HOST} (its own destination for the worker's per-destination share),"
        " tenant B's 127.0.0.1; from sending the POST to B's webhook arriving.",
        *c.notes,
    ]
    return "\n".join(lines).rstrip() + "\n"


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.hardening", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 rounds, fewer samples; prints only")
    parser.add_argument("--rounds", type=int, help="rounds (5)")
    parser.add_argument("--repeats", type=int, default=3, help="big bodies per server")
    parser.add_argument("--samples", type=int, help="latency samples per variant (50)")
    parser.add_argument("--only", default="bodies,hang", help="bodies, hang or both")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (2 if args.quick else 5)
    # A smoke run prints its figures and leaves the results file of the full run alone.
    args.no_write = args.no_write or args.quick
    args.samples = args.samples or (20 if args.quick else 50)
    args.only = {part.strip() for part in args.only.split(",") if part.strip()}
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print and write the results; 1 if a target is missed."""
    args = parse(argv)
    work = Path(tempfile.mkdtemp(prefix="mailnotify-bench-hardening-"))
    print(f"bench: working in {work}", file=sys.stderr)
    collected = Collected()
    try:
        if "bodies" in args.only:
            measure_bodies(work, collected, rounds=args.rounds, repeats=args.repeats)
        if "hang" in args.only:
            measure_hang(work, collected, rounds=args.rounds, samples=args.samples)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text_ = render(collected, args)
    print(text_)
    if not args.no_write:
        RESULTS.write_text(text_, encoding="utf-8")
    return 1 if any(ok is False for *_, ok in targets(collected)) else 0


if __name__ == "__main__":
    raise SystemExit(main())
