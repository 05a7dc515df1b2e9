"""Issue 8 part 2: ``mailnotify serve --workers N``, its logs and its end, as real processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.processes.serving import (
    ESTABLISHED,
    LISTEN,
    Served,
    alive,
    children,
    cmdline,
    environ_of,
    serving,
    socket_inodes,
    tcp_sockets,
)

URL = "/api/users/me/notifications"


def left_running(pids: list[int], *, grace: float = 5.0) -> list[list[str]]:
    """Command lines of ``pids`` still running after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [cmdline(pid) for pid in pids if alive(pid)]


def roles(served: Served) -> tuple[list[int], list[int]]:
    """The children of ``serve``: those that listen on its port, and delivery workers."""
    (listening,) = tcp_sockets(served.port, LISTEN)
    servers, workers = [], []
    for pid in children(served.process.pid):
        if listening in socket_inodes(pid):
            servers.append(pid)
        elif cmdline(pid)[-2:] == ["mailnotify.cli", "worker"]:
            workers.append(pid)
    return servers, workers


def answered_by(served: Served, servers: list[int], *, attempts: int = 200) -> set[int]:
    """Server pids that answered a request on a connection of their own.

    Connections stay open, so that /proc shows which process accepted each one.
    """
    clients: list[httpx.Client] = []
    seen: set[int] = set()
    try:
        for _ in range(attempts):
            client = httpx.Client(base_url=served.url, timeout=10)
            clients.append(client)
            assert client.get("/healthz").status_code == 200
            established = tcp_sockets(served.port, ESTABLISHED)
            seen = {pid for pid in servers if socket_inodes(pid) & established}
            if seen == set(servers):
                break
            time.sleep(0.02)
    finally:
        for client in clients:
            client.close()
    return seen


def test_serve_workers_2_answers_on_one_port_from_two_processes_and_delivers_from_one(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, "--workers", "2", MAILNOTIFY_HTTP_MAX_HEADER_BYTES="4096") as served:
        servers, workers = roles(served)
        assert len(servers) == 2
        assert len(workers) == 1
        # The server processes leave deliveries to the one worker beside them.
        for pid in servers:
            assert environ_of(pid)["MAILNOTIFY_EMBEDDED_WORKER"] == "false"
        assert answered_by(served, servers) == set(servers)
        # The limits reach every server process through the settings.
        big = httpx.get(f"{served.url}/healthz", headers={"X-Big": "a" * 8192})
        assert big.status_code == 431
        token = served.token()
        assert httpx.get(f"{served.url}{URL}", headers={"X-Api-Token": token}).status_code == 200
        # A worker that dies is replaced, still one.
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while (replaced := roles(served)[1]) in ([], workers):
            assert time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.2)
        assert len(replaced) == 1
    assert served.process.returncode == 0
    assert left_running(servers + replaced) == []


def test_serve_logs_json_lines_only_in_every_process(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2", MAILNOTIFY_ACCESS_LOG="true") as served:
        assert httpx.get(f"{served.url}{URL}").status_code == 401
    lines = served.log_lines()
    assert lines
    for line in lines:
        entry = json.loads(line)  # a plain-text line (a printed warning) fails here
        assert {"ts", "level", "logger", "msg"} <= set(entry)
        assert "color_message" not in entry
    loggers = {json.loads(line)["logger"] for line in lines}
    assert "mailnotify.access" in loggers
    assert not any("StarletteDeprecationWarning" in line for line in lines)


def _start_put(served: Served, token: str) -> tuple[socket.socket, bytes]:
    """A PUT whose head and half its body are sent; the rest of the body."""
    body = json.dumps({"notification_email": "ops@example.com"}).encode()
    head = (
        f"PUT {URL} HTTP/1.1\r\nHost: t\r\nX-Api-Token: {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    client = socket.create_connection(("127.0.0.1", served.port), timeout=20)
    client.sendall(head + body[:10])
    return client, body[10:]


def _new_request_is_not_served(served: Served) -> bool:
    try:
        response = httpx.get(f"{served.url}/healthz", timeout=2)
    except httpx.TransportError:
        return True
    return response.status_code != 200


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_drains_in_flight_requests_refuses_new_ones_and_ends_within_15_s(
    tmp_path: Path, workers: str
) -> None:
    with serving(tmp_path, "--workers", workers) as served:
        token = served.token()
        pids = children(served.process.pid)
        client, rest = _start_put(served, token)
        time.sleep(0.5)  # the server has read the head and waits for the body
        sent_at = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)  # the supervisor looks at signals twice a second
        assert served.process.poll() is None, "it ended before the request did"
        assert _new_request_is_not_served(served)
        client.sendall(rest)
        answer = client.recv(65536)
        client.close()
        assert answer.startswith(b"HTTP/1.1 200 "), answer
        assert b"connection: close" in answer.lower()
        served.process.wait(timeout=15)
        assert time.monotonic() - sent_at < 15
    # uvicorn re-raises the signal it handled once it has drained: an end by SIGTERM.
    assert served.process.returncode in (0, -signal.SIGTERM)
    assert left_running(pids) == []


def test_concurrent_puts_across_two_processes_on_sqlite_lose_nothing(tmp_path: Path) -> None:
    # Both children write one SQLite file (short writes on their loops, the lock beside
    # the file between them): every PUT is answered 200 and each account keeps its last.
    with serving(tmp_path, "--workers", "2") as served:
        servers, _ = roles(served)
        assert {environ_of(pid)["MAILNOTIFY_SERVER_PROCESSES"] for pid in servers} == {"2"}
        tokens = [served.token() for _ in range(4)]

        async def put_all() -> list[int]:
            async def one(client: httpx.AsyncClient, token: str, number: int) -> int:
                body = {"notification_email": f"ops{number}@example.com"}
                response = await client.put(URL, json=body, headers={"X-Api-Token": token})
                return response.status_code

            limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
            async with httpx.AsyncClient(base_url=served.url, limits=limits, timeout=30) as client:
                statuses = []
                for number in range(25):
                    statuses += await asyncio.gather(*(one(client, t, number) for t in tokens))
                return statuses

        assert set(asyncio.run(put_all())) == {200}
        for token in tokens:
            found = httpx.get(f"{served.url}{URL}", headers={"X-Api-Token": token}, timeout=30)
            assert found.json()["resources"][0]["notification_email"] == "ops24@example.com"
    assert (tmp_path / "mailnotify.db.write-lock").exists()
