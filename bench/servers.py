"""The servers under test, each in its own processes, pinned to the server core (or all)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.work import PATH

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU = "0"
CLIENT_CPU = "1"
# Several server processes get every core: the client's core is shared with one of them.
ALL_CPUS = "0,1"
# Issue 8's contenders run as the filer's baseline did: access log and embedded worker off.
_QUIET = (("MAILNOTIFY_ACCESS_LOG", "false"), ("MAILNOTIFY_EMBEDDED_WORKER", "false"))


@dataclass(frozen=True, slots=True)
class AppKind:
    """How to start one contender; ``env`` is added to a clean environment."""

    key: str
    label: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    # Where it starts; a candidate starts in its checkout so that ``-m`` finds its code first.
    cwd: Path = ROOT
    cpus: str = SERVER_CPU
    # Seconds between scrapes of ``/metrics`` during the load (0: none), as Prometheus would.
    scrape_every: float = 0.0

    @property
    def ours(self) -> bool:
        """Whether this is ``mailnotify serve`` (configured by environment variables)."""
        return self.key.startswith(("mailnotify", "candidate"))


def _processes(workers: int) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]:
    """How ``serve --workers N`` runs: its argv tail, environment and cores."""
    if workers == 1:
        return (), (), SERVER_CPU
    return ("--workers", str(workers)), _QUIET, ALL_CPUS


def contenders(
    *,
    with_no_log: bool = True,
    candidates: Sequence[Path] = (),
    candidate_workers: int = 1,
    with_workers: bool = True,
) -> list[AppKind]:
    """Our server as ``mailnotify serve`` runs it, and the two reference apps.

    ``candidates`` are other checkouts of the server (proposed changes) to run as more
    contenders, so that a change is measured against the current code side by side
    (with ``candidate_workers`` processes each). ``with_workers`` adds issue 8's
    contenders: ``serve --workers 1`` and ``--workers 2``, and ``--workers 2`` scraped.
    """
    python = sys.executable
    ours = AppKind("mailnotify", "mailnotify", (python, "-m", "mailnotify.cli", "serve"))
    kinds = [ours]
    tail, env, cpus = _processes(candidate_workers)
    suffix = f" --workers {candidate_workers}" if candidate_workers > 1 else ""
    kinds += [
        AppKind(
            f"candidate-{checkout.name}",
            f"candidate {checkout.name}{suffix}",
            (_python_of(checkout), *ours.argv[1:], *tail),
            (("PYTHONPATH", str(checkout.resolve())), *env),
            checkout.resolve(),
            cpus,
        )
        for checkout in candidates
    ]
    if with_workers:
        kinds += [
            AppKind(
                "mailnotify-w1",
                "mailnotify --workers 1",
                (*ours.argv, "--workers", "1"),
                _QUIET,
            ),
            AppKind(
                "mailnotify-w2",
                "mailnotify --workers 2",
                (*ours.argv, "--workers", "2"),
                _QUIET,
                cpus=ALL_CPUS,
            ),
            AppKind(
                "mailnotify-w2-scraped",
                "mailnotify --workers 2, /metrics scraped every 1 s",
                (*ours.argv, "--workers", "2"),
                _QUIET,
                cpus=ALL_CPUS,
                scrape_every=1.0,
            ),
        ]
    if with_no_log:
        kinds.append(
            AppKind(
                "mailnotify-nolog",
                "mailnotify, access log off",
                ours.argv,
                (("MAILNOTIFY_ACCESS_LOG", "false"),),
            )
        )
    kinds += [
        AppKind("fastapi", "FastAPI", (python, "-m", "bench.serve", "fastapi")),
        AppKind("starlette", "bare Starlette", (python, "-m", "bench.serve", "starlette")),
    ]
    return kinds


def _python_of(checkout: Path) -> str:
    """The checkout's own interpreter when it has a virtualenv, else ours.

    Its own: an editable install maps ``mailnotify.handlers`` to its checkout's
    ``handlers/``, so a candidate run by our interpreter would import our handlers.
    """
    python = checkout.resolve() / ".venv" / "bin" / "python"
    return str(python) if python.exists() else sys.executable


def pinned(cpus: str, argv: Sequence[str]) -> list[str]:
    """``argv`` pinned to ``cpus`` when the machine has one to spare for the client."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", cpus, *argv]
    return list(argv)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Server:
    """A running contender."""

    kind: AppKind
    port: int
    pid: int
    log: Path

    @property
    def url(self) -> str:
        """The settings endpoint's URL."""
        return f"http://127.0.0.1:{self.port}{PATH}"


def _clean_env(kind: AppKind, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILNOTIFY_")}
    env["MAILNOTIFY_DATABASE_URL"] = database_url
    env.update(kind.env)
    return env


def _wait_ready(server: Server, process: subprocess.Popen[bytes], token: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.kind.label} exited; see {server.log}")
        try:
            response = httpx.get(server.url, headers={"X-Api-Token": token}, timeout=2)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.kind.label} did not answer; see {server.log}")


@contextmanager
def running(kind: AppKind, directory: Path, template_db: Path, token: str) -> Iterator[Server]:
    """Start ``kind`` on its own copy of the database; stop it on exit."""
    database = directory / f"{kind.key}.db"
    shutil.copy(template_db, database)
    database_url = f"sqlite:///{database}"
    port = free_port()
    argv = [*kind.argv, "--port", str(port)]
    argv += ["--host", "127.0.0.1"] if kind.ours else ["--database-url", database_url]
    log = directory / f"{kind.key}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (argv is ours, no shell)
            pinned(kind.cpus, argv),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=_clean_env(kind, database_url),
            cwd=kind.cwd,
        )
    server = Server(kind, port, process.pid, log)
    try:
        _wait_ready(server, process, token)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def all_running(
    kinds: Sequence[AppKind], directory: Path, template_db: Path, token: str
) -> Iterator[list[Server]]:
    """Every contender at once; only one is loaded at a time, the others sit idle."""
    with ExitStack() as stack:
        yield [stack.enter_context(running(k, directory, template_db, token)) for k in kinds]
