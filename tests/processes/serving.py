"""A real ``mailnotify serve`` subprocess, and what /proc says about its processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conformance.live_server import BIN, free_port, wait_until_ready


@dataclass(frozen=True)
class Served:
    """A running ``mailnotify serve`` and where it answers."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    environ: dict[str, str]

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        """``mailnotify ARGS`` on the server's database; its standard output."""
        return subprocess.run(
            [str(BIN / "mailnotify"), *args],
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    def token(self) -> str:
        """A new customer's token."""
        created: dict[str, str] = json.loads(
            self.cli("users", "create", "--role", "customer", "--json")
        )
        return created["token"]

    def log_lines(self) -> list[str]:
        """Every line the processes wrote to stdout and stderr."""
        return [line for line in self.log.read_text().splitlines() if line.strip()]


def environ(workdir: Path, **variables: str) -> dict[str, str]:
    """A SQLite database in ``workdir``, no access log, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILNOTIFY_")}
    env.update(
        MAILNOTIFY_DATABASE_URL=f"sqlite:///{workdir / 'mailnotify.db'}",
        MAILNOTIFY_ACCESS_LOG="false",
    )
    env.update(variables)
    return env


@contextmanager
def serving(workdir: Path, *args: str, **variables: str) -> Iterator[Served]:
    """Migrate, start ``mailnotify serve ARGS`` and wait until ready; stop it afterwards."""
    env = environ(workdir, **variables)
    subprocess.run(
        [str(BIN / "mailnotify"), "db", "upgrade"], env=env, capture_output=True, check=True
    )
    port = free_port()
    log = workdir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "mailnotify"), "serve", "--port", str(port), *args],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, port, log, env)
    try:
        wait_until_ready(served.url, process, log, timeout=60)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def children(pid: int) -> list[int]:
    """The direct children of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> list[str]:
    """The command line of ``pid``."""
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [part.decode() for part in raw.split(b"\0") if part]


def environ_of(pid: int) -> dict[str, str]:
    """The environment ``pid`` started with."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (part.decode().partition("=") for part in raw.split(b"\0") if part)
    return {name: value for name, _, value in pairs}


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets ``pid`` holds."""
    inodes: set[int] = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


LISTEN, ESTABLISHED = "0A", "01"


def tcp_sockets(port: int, state: str) -> set[int]:
    """Inodes of IPv4 TCP sockets whose local port is ``port``, in ``state``."""
    inodes: set[int] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
