"""A closed-loop HTTP/1.1 keep-alive load generator on raw asyncio streams.

Each connection sends its next request as soon as the previous response is read.
Requests are encoded up front, so the client spends its time on the socket. Latency
is kept for requests that start after the warm-up and finish inside the window.

``python -m bench.load --port P --method GET --connections 20 --tokens-file F``
prints one JSON object (see ``Result``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import uvloop

from bench.work import PATH

HOST = "127.0.0.1"
_TIMEOUT = 30.0
_BODIES_PER_CONNECTION = 8
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Result:
    """One load run: counts, throughput, latency (ms) and CPU accounting."""

    method: str
    connections: int
    seconds: float
    requests: int
    errors: int
    throughput: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_us: float
    client_cpu_us: float
    other_cores: float
    error_samples: list[str] = field(default_factory=list)
    scrapes: int = 0


def put_body(connection: int, number: int) -> bytes:
    """A full settings form; consecutive bodies differ, so every PUT writes."""
    body = {
        "notification_url": f"https://hooks.example.com/bench/{connection}/{number}",
        "email_overquota_callback": number % 2 == 0,
        "domain_create_callback": number % 2 == 1,
        "notification_email": f"ops{number}@example.com",
        "email_overquota_email": True,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def requests_for(method: str, connection: int, token: str, port: int) -> list[bytes]:
    """The encoded requests one connection cycles through."""
    head = (
        f"{method} {PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"X-Api-Token: {token}\r\nAccept: application/json\r\n"
    ).encode()
    if method == "GET":
        return [head + b"\r\n"]
    return [
        head + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        for body in (put_body(connection, n) for n in range(_BODIES_PER_CONNECTION))
    ]


class ProtocolError(Exception):
    """The server's answer was not a well-formed HTTP/1.1 response."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise ProtocolError(head[:40].decode("latin-1"))
    status = int(head[9:12])
    length = -1
    chunked = False
    keep = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = b"close" not in value.lower()
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length >= 0:
        await reader.readexactly(length)
    else:
        raise ProtocolError("response without a length")
    return status, keep


@dataclass(slots=True)
class _Window:
    warm_until: int
    end: int
    latencies: list[int] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(text)


async def _connection(port: int, requests: Sequence[bytes], window: _Window) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    number = 0
    try:
        while (started := time.perf_counter_ns()) < window.end:
            writer.write(requests[number % len(requests)])
            number += 1
            try:
                async with asyncio.timeout(_TIMEOUT):
                    status, keep = await read_response(reader)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ProtocolError) as exc:
                window.error(f"{type(exc).__name__}: {exc}")
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            done = time.perf_counter_ns()
            if not 200 <= status < 300:
                window.error(f"HTTP {status}")
            if started >= window.warm_until and done <= window.end:
                window.requests += 1
                window.latencies.append(done - started)
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
    finally:
        writer.close()


def _process_ticks(pid: int) -> int:
    """CPU ticks of ``pid`` and all its descendants (``serve --workers N``'s children)."""
    ticks: dict[int, int] = {}
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended meanwhile
        child = int(entry.name)
        ticks[child] = int(fields[11]) + int(fields[12])  # utime + stime
        children.setdefault(int(fields[1]), []).append(child)
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += ticks.get(current, 0)
        todo += children.get(current, [])
    return total


async def _scrape(port: int, every: float, end: int) -> int:
    """GET ``/metrics`` every ``every`` seconds until ``end``, as Prometheus would."""
    request = f"GET /metrics HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(HOST, port)
    scrapes = 0
    try:
        while time.perf_counter_ns() < end:
            writer.write(request)
            status, _ = await read_response(reader)
            if status != 200:
                raise ProtocolError(f"/metrics answered {status}")
            scrapes += 1
            await asyncio.sleep(every)
    finally:
        writer.close()
    return scrapes


def _machine_busy_ticks() -> int:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4]  # everything but idle and iowait


def _client_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True, slots=True)
class _Meter:
    server: int
    machine: int
    client: float

    @classmethod
    def read(cls, server_pid: int | None) -> _Meter:
        server = _process_ticks(server_pid) if server_pid else 0
        return cls(server, _machine_busy_ticks(), _client_seconds())


def _percentile(ordered: Sequence[int], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] / 1e6


async def run(
    *,
    port: int,
    method: str,
    connections: int,
    tokens: Sequence[str],
    warmup: float,
    duration: float,
    server_pid: int | None = None,
    scrape_every: float = 0.0,
) -> Result:
    """Load the server for ``warmup`` + ``duration`` seconds and measure the second part."""
    now = time.perf_counter_ns()
    window = _Window(warm_until=now + int(warmup * 1e9), end=now + int((warmup + duration) * 1e9))
    tasks = [
        asyncio.create_task(
            _connection(port, requests_for(method, c, tokens[c % len(tokens)], port), window)
        )
        for c in range(connections)
    ]
    scraper = asyncio.create_task(_scrape(port, scrape_every, window.end)) if scrape_every else None
    await asyncio.sleep(max(0.0, (window.warm_until - time.perf_counter_ns()) / 1e9))
    before = _Meter.read(server_pid)
    await asyncio.sleep(max(0.0, (window.end - time.perf_counter_ns()) / 1e9))
    after = _Meter.read(server_pid)
    await asyncio.gather(*tasks)
    scrapes = await scraper if scraper else 0
    ordered = sorted(window.latencies)
    count = max(window.requests, 1)
    server_s = (after.server - before.server) / _TICK
    client_s = after.client - before.client
    machine_s = (after.machine - before.machine) / _TICK
    return Result(
        method=method,
        connections=connections,
        seconds=duration,
        requests=window.requests,
        errors=window.errors,
        throughput=window.requests / duration,
        p50_ms=_percentile(ordered, 0.50),
        p90_ms=_percentile(ordered, 0.90),
        p99_ms=_percentile(ordered, 0.99),
        max_ms=ordered[-1] / 1e6 if ordered else math.nan,
        server_cpu_us=server_s / count * 1e6 if server_pid else math.nan,
        client_cpu_us=client_s / count * 1e6,
        other_cores=max(0.0, machine_s - server_s - client_s) / duration,
        error_samples=window.samples,
        scrapes=scrapes,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run one load and print its ``Result`` as JSON."""
    parser = argparse.ArgumentParser(prog="bench.load")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--method", choices=["GET", "PUT"], required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--tokens-file", type=Path, required=True)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--scrape-every", type=float, default=0.0, help="GET /metrics (s)")
    args = parser.parse_args(argv)
    tokens: list[str] = json.loads(args.tokens_file.read_text())
    result = uvloop.run(
        run(
            port=args.port,
            method=args.method,
            connections=args.connections,
            tokens=tokens,
            warmup=args.warmup,
            duration=args.duration,
            server_pid=args.server_pid,
            scrape_every=args.scrape_every,
        )
    )
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
