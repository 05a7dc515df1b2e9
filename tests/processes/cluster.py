"""Real ``mailnotify serve`` and ``worker`` processes on one database, and a timing receiver."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from tests.receivers import Receiver

MAILNOTIFY = str(Path(sys.executable).parent / "mailnotify")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, ca_bundle: Path, **extra: str) -> dict[str, str]:
    """What every process of a cluster gets: the database, loopback webhooks, the CA."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILNOTIFY_")}
    env.update(
        {
            "MAILNOTIFY_DATABASE_URL": database_url,
            "MAILNOTIFY_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
            "MAILNOTIFY_WEBHOOK_CA_BUNDLE": str(ca_bundle),
            "MAILNOTIFY_ACCESS_LOG": "false",
            "MAILNOTIFY_LOG_LEVEL": "WARNING",
        }
    )
    env.update({f"MAILNOTIFY_{k.upper()}": v for k, v in extra.items()})
    return env


@dataclass
class Cluster:
    """Processes started for one test; each one's output in a log file of its own."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    servers: list[str] = field(default_factory=list)

    def start(self, name: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        env = {**self.env, **{f"MAILNOTIFY_{k.upper()}": v for k, v in extra.items()}}
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen([MAILNOTIFY, *args], env=env, stdout=log, stderr=log)
        self.processes[name] = process
        return process

    def serve(self, name: str, **extra: str) -> str:
        """A ``serve`` without its embedded worker; its base URL once it answers."""
        port = free_port()
        self.start(name, "serve", f"--port={port}", embedded_worker="false", **extra)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{base}/healthz"), f"{name} to answer", 60)
        self.servers.append(base)
        return base

    def worker(self, name: str, **extra: str) -> subprocess.Popen[bytes]:
        return self.start(name, "worker", **extra)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log_tail(self, lines: int = 15) -> str:
        parts = []
        for file in sorted(self.logs.glob("*.log")):
            tail = file.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {file.name}\n" + "\n".join(tail))
        return "\n".join(parts)


@contextmanager
def cluster(env: dict[str, str], logs: Path) -> Iterator[Cluster]:
    """A cluster whose processes are all stopped at the end, whatever happened."""
    running = Cluster(env, logs)
    try:
        yield running
    finally:
        running.stop_all()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(check: object, what: str, timeout: float) -> None:
    """Poll ``check()`` until true; fail naming ``what`` after ``timeout`` seconds."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# --- the receiver's log -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrival:
    """One webhook request as the receiver timed it."""

    webhook_id: str
    started: float
    ended: float
    verified: bool


class TimingReceiver(Receiver):
    """tests.receivers' verifying receiver, also logging when each request began and ended."""

    def __init__(self, inner: Receiver) -> None:
        super().__init__(inner.secret)
        self.arrivals: list[Arrival] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        await super().__call__(scope, receive, send)
        self.arrivals.append(
            Arrival(
                headers.get("webhook-id", ""),
                started,
                time.monotonic(),
                self.requests[-1].verified,
            )
        )


def overlapping(arrivals: list[Arrival]) -> list[str]:
    """Ids whose deliveries were in flight at the same time (two workers at once)."""
    by_id: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        by_id.setdefault(arrival.webhook_id, []).append(arrival)
    found = []
    for webhook_id, seen in by_id.items():
        seen.sort(key=lambda a: a.started)
        if any(later.started < earlier.ended for earlier, later in itertools.pairwise(seen)):
            found.append(webhook_id)
    return found
