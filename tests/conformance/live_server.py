"""A real ``mailnotify serve`` on a free loopback port, for tests that need a live server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class LiveServer:
    """A running server and the environment it was started with."""

    url: str
    environ: Mapping[str, str]

    def cli(self, *args: str) -> str:
        """Run ``mailnotify ARGS`` against the server's database; its standard output."""
        done = subprocess.run(
            [str(BIN / "mailnotify"), *args],
            env=dict(self.environ),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def create_user(self, role: str) -> dict[str, str]:
        """A new user's ``{"code", "token"}``."""
        created: dict[str, str] = json.loads(self.cli("users", "create", "--role", role, "--json"))
        return created


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float
) -> None:
    """Poll ``url``/readyz until it answers 200; raise with the log if the server exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not become ready: {log.read_text()}")
        time.sleep(0.1)


def server_environ(database: Path) -> dict[str, str]:
    """The server's environment: a SQLite file, no delivery, any webhook address allowed.

    Nothing is delivered (no embedded worker, no SMTP), so fuzzed webhook URLs are never
    contacted; the allow-list only lets IP-literal URLs through validation.
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILNOTIFY_")}
    environ.update(
        MAILNOTIFY_DATABASE_URL=f"sqlite:///{database}",
        MAILNOTIFY_WEBHOOK_ALLOW_CIDRS="0.0.0.0/0,::/0",
        MAILNOTIFY_EMBEDDED_WORKER="false",
        MAILNOTIFY_ACCESS_LOG="false",
    )
    return environ


@contextmanager
def live_server(workdir: Path, *, startup_timeout: float = 30.0) -> Iterator[LiveServer]:
    """Migrate a fresh database in ``workdir``, serve it, stop the server afterwards."""
    environ = server_environ(workdir / "mailnotify.db")
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", environ)
    server.cli("db", "upgrade")
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "mailnotify"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environ,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(server.url, process, workdir / "server.log", timeout=startup_timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
