"""Soak under faults (issue 8 part 6): a benchmark, not a timed test.

``python -m bench.soak --minutes N`` (or ``--seconds S``) runs, on a throwaway PostgreSQL:
two ``mailnotify serve`` processes, two ``mailnotify worker``s, the HTTPS receiver
(bench.soak_receiver) and an SMTP sink, under a mixed load, while a chaos loop SIGKILLs a
worker, makes the receiver answer 500 and then hold requests past the sender's timeout,
and restarts PostgreSQL. Then it waits for the outbox to drain and proves, from the
receiver's own log: every event the users' settings asked for arrived at least once with
a valid signature, no 500 was answered, 503s only while the database was down. It prints
duplicates, p50/p99 per operation and the longest event-to-delivery delay, and writes them
to ``bench/soak_results.md`` (``--results``). Exit status 1 when a proof fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from bench.engine_procs import (
    ROOT,
    Certificates,
    free_port,
    mailnotify_argv,
    mailnotify_env,
    make_certificates,
    wait_for,
)
from bench.soak_load import Chaos, Load, World, domain_name
from bench.soak_procs import Postgres, create_database, smtp_sink
from bench.soak_proof import Evidence, Verdict, judge, markdown
from mailnotify import accounts, migrate
from mailnotify.db import make_engine, writing
from mailnotify.delivery.signing import generate_secret
from mailnotify.models import Role
from tests.pg import postgres_server

CUSTOMERS = 10
MAILBOXES_PER_DOMAIN = 40
LEASE_SECONDS = 15


@dataclass
class Processes:
    """The soak's mailnotify processes by name, each logging to a file of its own."""

    env: dict[str, str]
    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.running[name] = subprocess.Popen(  # noqa: S603 (our argv)
                mailnotify_argv(*args), env=self.env, stdout=log, stderr=log, cwd=ROOT
            )

    def kill(self, name: str) -> None:
        process = self.running[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def receiver(directory: Path, certificates: Certificates, secret: str) -> Iterator[str]:
    """The receiver process for the block; its base URL."""
    port_file = directory / "receiver.port"
    argv = [
        sys.executable,
        "-m",
        "bench.soak_receiver",
        f"--pem={certificates.server_pem}",
        f"--secret={secret}",
        f"--port-file={port_file}",
        f"--log={directory / 'receiver.jsonl'}",
    ]
    with (directory / "receiver.log").open("ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=log, cwd=ROOT)  # noqa: S603
    try:
        wait_for(lambda: port_file.exists() and port_file.read_text(), "the receiver port")
        yield f"https://127.0.0.1:{int(port_file.read_text())}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def soak(seconds: float, directory: Path, *, window: float, drain: float) -> Verdict:
    """Run the soak for ``seconds`` of load; the verdict and its evidence."""
    with ExitStack() as stack:
        admin_url = stack.enter_context(postgres_server())
        url = create_database(admin_url, "soak")
        postgres = Postgres(admin_url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        migrate.upgrade(engine)
        certificates = make_certificates(directory)
        secret = generate_secret()
        hook_base = stack.enter_context(receiver(directory, certificates, secret))
        smtp_port = free_port()
        controller, mailbag = smtp_sink(smtp_port)
        stack.callback(controller.stop)
        env = mailnotify_env(
            url,
            certificates,
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
            embedded_worker="false",
            access_log="false",
            log_level="WARNING",
            worker_lease_seconds=str(LEASE_SECONDS),
        )
        env["PROMETHEUS_MULTIPROC_DIR"] = str(directory / "metrics")
        (directory / "metrics").mkdir()
        processes = Processes(env, directory)
        stack.callback(processes.stop_all)
        # `serve --workers 2` is being built on branch `edge`; two serve processes stand in.
        servers = []
        for name in ("serve-a", "serve-b"):
            port = free_port()
            processes.start(name, "serve", f"--port={port}")
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda b=base: httpx.get(f"{b}/readyz", timeout=2).status_code == 200, name)
            servers.append(base)
        world = _world(engine, servers, f"{hook_base}/hook", secret)
        processes.start("worker-a", "worker")
        processes.start("worker-b", "worker")

        def kill_worker() -> None:
            processes.kill("worker-a")
            time.sleep(1)
            processes.start("worker-a", "worker")

        trust = ssl.create_default_context(cafile=str(certificates.ca_bundle))

        def mode(name: str) -> None:
            httpx.put(f"{hook_base}/mode/{name}", verify=trust, timeout=10).raise_for_status()

        def ready() -> bool:
            try:
                return all(httpx.get(f"{s}/readyz", timeout=2).status_code == 200 for s in servers)
            except httpx.HTTPError:
                return False

        load = Load(world)
        chaos = Chaos(seconds, window, kill_worker, mode, postgres.stop, postgres.start, ready)
        began = time.time()
        threads = load.run()
        chaos_thread = threading.Thread(target=chaos.run, args=(load.stop,), daemon=True)
        chaos_thread.start()
        time.sleep(seconds)
        chaos_thread.join(120)  # a fault under way finishes before the load stops
        load.stop.set()
        for thread in threads:
            thread.join(60)
        ended = time.time()
        drained = _drain(engine, drain)
        metrics = httpx.get(f"{servers[0]}/metrics", timeout=10).text
        created, webhooks, emails, statuses = _from_database(engine)
        evidence = Evidence(
            began=began,
            ended=ended,
            drained=drained,
            calls=load.calls,
            faults=chaos.done,
            receiver_log=(directory / "receiver.jsonl").read_bytes(),
            email_ids=list(mailbag.message_ids),
            metrics=metrics,
            event_created=created,
            expected_webhooks=webhooks,
            expected_emails=emails,
            statuses=statuses,
        )
        return judge(evidence)


def _world(engine: Engine, servers: list[str], hook_url: str, secret: str) -> World:
    customers = []
    with writing(engine) as session:
        for _ in range(CUSTOMERS):
            created = accounts.create_user(session=session, role=Role.customer)
            customers.append((created.code, created.token))
        platform_user = accounts.create_user(session=session, role=Role.platform)
    with httpx.Client(timeout=30) as client:
        for n, (code, token) in enumerate(customers):
            response = client.put(
                f"{servers[n % 2]}/api/users/me/notifications",
                headers={"X-Api-Token": token},
                json={
                    "notification_url": hook_url,
                    "notification_email": f"ops{n}@example.com",
                    "email_overquota_callback": True,
                    "domain_create_callback": True,
                    "email_overquota_email": True,
                },
            )
            response.raise_for_status()
            response = client.put(
                f"{servers[0]}/api/platform/domains/{domain_name(n)}",
                headers={"X-Api-Token": platform_user.token},
                json={"customer_code": code, "postmaster_code": "PM4D5E6", "status": "active"},
            )
            response.raise_for_status()
    with engine.begin() as connection:
        # The receiver verifies with one secret; every account gets that one.
        connection.execute(
            text("UPDATE notification_settings SET signing_secret = :s"), {"s": secret}
        )
    return World(
        tuple(servers), tuple(customers), platform_user.token, hook_url, MAILBOXES_PER_DOMAIN
    )


def _pending(engine: Engine) -> int:
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        ).scalar_one()
    return int(count)


def _drain(engine: Engine, timeout: float) -> bool:
    """Wait until nothing is pending (retries included); whether it got there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _pending(engine) == 0:
                return True
        except Exception:  # noqa: S110 (the database may still be coming back)
            pass
        time.sleep(0.5)
    return False


Recorded = tuple[dict[str, float], set[str], set[str], dict[str, int]]


def _from_database(engine: Engine) -> Recorded:
    """Events with their creation times, deliveries expected, deliveries by status."""
    with engine.connect() as connection:
        created = {
            event_id: moment.timestamp()
            for event_id, moment in connection.execute(text("SELECT id, created_at FROM events"))
        }
        webhooks = {
            row[0]
            for row in connection.execute(
                text("SELECT event_id FROM deliveries WHERE channel = 'webhook'")
            )
        }
        emails = {
            f"delivery-{row[0]}"
            for row in connection.execute(
                text("SELECT id FROM deliveries WHERE channel IN ('email', 'mailbox_email')")
            )
        }
        statuses = {
            f"{channel} {status}": int(count)
            for channel, status, count in connection.execute(
                text("SELECT channel, status, count(*) FROM deliveries GROUP BY channel, status")
            )
        }
    return created, webhooks, emails, statuses


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when every proof holds."""
    parser = argparse.ArgumentParser(prog="scripts/soak", description=__doc__)
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, default=None)
    length.add_argument("--seconds", type=float, default=None)
    parser.add_argument(
        "--window", type=float, default=None, help="seconds each receiver fault lasts"
    )
    parser.add_argument(
        "--drain", type=float, default=420, help="seconds to wait for retries after the load"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "soak_results.md")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (args.minutes or 5) * 60
    window = args.window if args.window is not None else min(10.0, max(2.0, seconds / 30))
    with tempfile.TemporaryDirectory(prefix="mailnotify-soak-") as directory:
        verdict = soak(seconds, Path(directory), window=window, drain=args.drain)
    where = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    report = markdown(verdict, seconds=seconds, window=window, machine=where)
    print(report)
    if args.results is not None:
        args.results.write_text(report, encoding="utf-8")
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
