"""Processes the soak (and the process tests) run: PostgreSQL that can be stopped, an SMTP sink."""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from tests.pg import find_bin


class Postgres:
    """A running server, found through its admin URL; stopped and started with pg_ctl."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        engine = create_engine(f"{admin_url}/postgres")
        with engine.connect() as connection:
            self.data = Path(connection.execute(text("SHOW data_directory")).scalar_one())
        engine.dispose()
        # The options the server was started with, so that it comes back the same.
        words = shlex.split((self.data / "postmaster.opts").read_text())
        options: list[str] = []
        skip = False
        for word in words[1:]:
            if skip:
                skip = False
            elif word == "-D":
                skip = True
            else:
                options.append(word)
        self.options = " ".join(shlex.quote(o) for o in options)
        self.pg_ctl = find_bin("pg_ctl") or "pg_ctl"

    def _run(self, *args: str) -> None:
        command = [self.pg_ctl, "-D", str(self.data), *args]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (our argv)

    def stop(self) -> None:
        """Stop at once, as a crash would (no checkpoint, connections cut)."""
        self._run("-m", "immediate", "stop")

    def start(self) -> None:
        """Start again with the options it had."""
        self._run("-o", self.options, "-l", str(self.data.parent / "log"), "-w", "start")


def create_database(admin_url: str, name: str) -> str:
    """A new database on the server; its URL. Commits wait for the WAL flush in it, whatever
    the server's default, so that a crash loses nothing that was acknowledged."""
    engine = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
        connection.execute(text(f"ALTER DATABASE {name} SET synchronous_commit = on"))
    engine.dispose()
    return f"{admin_url}/{name}"


@dataclass
class Mailbag:
    """An aiosmtpd handler that keeps each message's Message-ID."""

    message_ids: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        for line in content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self._lock:
                    self.message_ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 Message accepted for delivery"


def smtp_sink(port: int) -> tuple[Controller, Mailbag]:
    """A started SMTP server on 127.0.0.1:``port`` and what it received."""
    bag = Mailbag()
    controller = Controller(bag, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, bag
