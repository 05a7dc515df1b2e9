"""Processes of the engine benchmark: the receiver, ``mailnotify serve`` and ``worker``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import trustme

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Webhook hosts besides 127.0.0.1 (127.0.1.1 to 127.0.1.N, the same receiver): a worker
# gives one host a share of its sends, and a mail host's accounts have many.
WEBHOOK_HOSTS = 32


@dataclass(frozen=True, slots=True)
class Certificates:
    """The receiver's certificate and the CA bundle that trusts it."""

    ca_bundle: Path
    server_pem: Path


def make_certificates(directory: Path) -> Certificates:
    """A trustme CA and a certificate for 127.0.0.1 and the other webhook hosts (the
    webhook URLs use the addresses)."""
    ca = trustme.CA()
    bundle, pem = directory / "ca.pem", directory / "server.pem"
    ca.cert_pem.write_to_path(str(bundle))
    hosts = ["127.0.0.1", *(f"127.0.1.{n}" for n in range(1, WEBHOOK_HOSTS + 1))]
    ca.issue_cert(*hosts).private_key_and_cert_chain_pem.write_to_path(str(pem))
    return Certificates(bundle, pem)


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mailnotify_env(url: str, certificates: Certificates, **extra: str) -> dict[str, str]:
    """A clean environment for a mailnotify process on database ``url``."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        {
            "MAILNOTIFY_DATABASE_URL": url,
            "MAILNOTIFY_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
            "MAILNOTIFY_WEBHOOK_CA_BUNDLE": str(certificates.ca_bundle),
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({f"MAILNOTIFY_{key.upper()}": value for key, value in extra.items()})
    return env


def mailnotify_argv(*args: str) -> list[str]:
    """The ``mailnotify`` command line, run by this interpreter."""
    return [PYTHON, "-m", "mailnotify.cli", *args]


@contextmanager
def running(
    argv: Sequence[str], *, env: Mapping[str, str] | None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` running for the block, its output in ``log``; stopped with SIGTERM after."""
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 (argv is ours, no shell)
            list(argv),
            env=None if env is None else dict(env),
            stdout=output,
            stderr=output,
            cwd=ROOT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_for(check: Any, what: str, timeout: float = 30.0) -> None:
    """Poll ``check()`` until it is true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError, ValueError):
            pass
        time.sleep(0.05)
    raise SystemExit(f"bench: {what} did not come up within {timeout:.0f} s")


class Receiver:
    """The HTTPS receiver process, asked for its counters over HTTPS."""

    def __init__(self, directory: Path, certificates: Certificates, secret: str) -> None:
        self._directory = directory
        self._certificates = certificates
        self._secret = secret
        self.port = 0
        self._client: httpx.Client | None = None

    @contextmanager
    def serving(self) -> Iterator[Receiver]:
        """The receiver, running for the block."""
        port_file = self._directory / "receiver.port"
        port_file.unlink(missing_ok=True)
        argv = [
            PYTHON,
            "-m",
            "bench.engine_receiver",
            f"--pem={self._certificates.server_pem}",
            f"--secret={self._secret}",
            f"--port-file={port_file}",
            f"--hosts={WEBHOOK_HOSTS}",
        ]
        with (
            running(argv, env=None, log=self._directory / "receiver.log"),
            httpx.Client(verify=str(self._certificates.ca_bundle), timeout=30) as client,
        ):
            wait_for(lambda: port_file.exists() and port_file.read_text(), "the receiver port")
            self.port = int(port_file.read_text())
            self._client = client
            wait_for(lambda: self.stats() is not None, "the receiver")
            yield self

    @property
    def url(self) -> str:
        """The base URL webhooks are sent to."""
        return f"https://127.0.0.1:{self.port}"

    def stats(self) -> dict[str, Any]:
        """The receiver's counters."""
        assert self._client is not None
        response = self._client.get(f"{self.url}/stats")
        response.raise_for_status()
        found: dict[str, Any] = orjson.loads(response.content)
        return found


@contextmanager
def serving(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """``mailnotify serve`` on a free port for the block; its base URL."""
    port = free_port()
    with running(mailnotify_argv("serve", f"--port={port}"), env=env, log=log):
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, "serve")
        yield base
