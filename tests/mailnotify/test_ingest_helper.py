"""``mailnotify ingest`` with its checking helper process: the same results as without."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from mailnotify.addresses import AddressPolicy
from mailnotify.app import load_spec
from mailnotify.config import load_settings
from mailnotify.ingest import (
    HELPER_MIN_BYTES,
    _batches,
    _check,
    _Checked,
    _received,
    _send_checked,
)
from mailnotify.validation import component_schema, format_checker
from tests.conftest import MakeUser
from tests.mailnotify.domains import pending_domains

ROOT = Path(__file__).resolve().parents[2]


def report(number: int, used: int = 10) -> dict[str, Any]:
    return {
        "email_address": f"user{number}@example.com",
        "email_code": f"EA{number}",
        "domain_name": "example.com",
        "observed_at": "2026-11-24T10:00:00Z",
        "space": {"used": used, "assigned": 100},
        "messages": {"used": 0, "assigned": 100},
    }


def write(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


def test_the_helper_sends_what_checking_here_finds(tmp_path: Path) -> None:
    schema = component_schema(
        load_spec(load_settings({})), "UsageBatch", format_checker(AddressPolicy())
    )
    lines: list[object] = [report(1), "", report(2), "  ", report(3), report(4), report(5)]
    lines += [report(6), "{broken", report(7)]
    path = write(tmp_path / "reports.jsonl", lines)
    with path.open("rb") as handle:
        here = [_check(batch, schema) for batch in _batches(handle, 3)]
    receiving, sending = Pipe(duplex=False)
    # The helper's loop, without a process: a thread, since a pipe holds little.
    sender = threading.Thread(target=_send_checked, args=(path, schema, sending, 3))
    sender.start()
    received: list[_Checked] = []
    while (message := receiving.recv()) is not None:
        received.append(_received(message))
    sender.join()
    # Blank lines make the line numbers irregular; the batch with a broken line is the
    # last one sent, as the parent stops there.
    assert [c.numbers for c in here] == [[1, 3], [5, 6], [7, 8], [10]]
    assert here[2].problems == ["line 9: body: must be valid JSON"]
    assert received[:2] == here[:2]
    # Of a batch with problems only they matter: the parent stops at them.
    assert (received[2].done, received[2].problems) == (here[2].done, here[2].problems)


@pytest.fixture
def domain(engine: Engine, make_user: MakeUser) -> None:
    pending_domains(engine, make_user("customer").code, "example.com")


def ingest(database_url: str, path: Path) -> subprocess.CompletedProcess[str]:
    # A fresh process without threads, as the command runs: there the helper is used.
    assert path.stat().st_size >= HELPER_MIN_BYTES
    return subprocess.run(
        [sys.executable, "-m", "mailnotify.cli", "ingest", "--json", str(path)],
        env={**os.environ, "MAILNOTIFY_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.usefixtures("domain")
def test_a_large_file_is_applied_batch_by_batch_through_the_helper(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    count = 20_000
    good = write(
        tmp_path / "good.jsonl", [report(n, 90 if n % 10 == 0 else 10) for n in range(count)]
    )
    done = ingest(database_url, good)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["lines"], summary["applied"], summary["events"]) == (count, count, count // 10)

    # A broken line in the third batch: the two before it stay applied, it and the
    # rest do not.
    lines: list[object] = [report(count + n) for n in range(count)]
    lines[12_344] = "{broken"
    done = ingest(database_url, write(tmp_path / "bad.jsonl", lines))
    assert done.returncode == 1
    assert "line 12345: body: must be valid JSON" in done.stderr
    assert "10,000 reports before these were applied" in done.stderr
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM mailboxes")).scalar_one()
    assert stored == count + 10_000
