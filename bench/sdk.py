"""The SDK's cost per call against raw httpx, on the same server, sync and async.

``python -m bench.sdk --port P --token T`` prints one JSON object: for each of ``sync``
and ``async``, the per-call wall time and client CPU time of
``mailnotify_sdk.[Async]Client(base_url, token).get_notification_settings()`` and of
the same GET with a bare ``httpx.[Async]Client`` (send, check the status, decode the
JSON), measured in alternating blocks on one keep-alive connection each.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from types import ModuleType

import httpx

from bench.work import PATH

Call = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


def _sdk() -> ModuleType | None:
    try:
        return importlib.import_module("mailnotify_sdk")
    except ImportError:
        return None


def raw_call(origin: str, token: str) -> Call:
    """The GET with plain httpx."""
    client = httpx.Client(base_url=origin, headers={"X-Api-Token": token})

    def call() -> object:
        response = client.get(PATH)
        response.raise_for_status()
        return response.json()

    return call


def raw_async_call(origin: str, token: str) -> AsyncCall:
    """The GET with plain ``httpx.AsyncClient``."""
    client = httpx.AsyncClient(base_url=origin, headers={"X-Api-Token": token})

    async def call() -> object:
        response = await client.get(PATH)
        response.raise_for_status()
        return response.json()

    return call


def _per_call(call: Call, count: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call()
    return (time.perf_counter() - wall) / count * 1e6, (time.process_time() - cpu) / count * 1e6


async def _per_async_call(call: AsyncCall, count: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await call()
    return (time.perf_counter() - wall) / count * 1e6, (time.process_time() - cpu) / count * 1e6


def _summary(samples: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    out = {}
    for name, values in samples.items():
        out[f"{name}_wall_us"] = statistics.median(v[0] for v in values)
        out[f"{name}_cpu_us"] = statistics.median(v[1] for v in values)
    # Each SDK block ran next to a raw block: the ratio of a pair cancels the machine's
    # noise of that moment better than a ratio of medians.
    pairs = zip(samples["sdk"], samples["raw"], strict=True)
    out["overhead"] = statistics.median(sdk[0] / raw[0] for sdk, raw in pairs) - 1
    pairs = zip(samples["sdk"], samples["raw"], strict=True)
    out["cpu_overhead"] = statistics.median(sdk[1] / raw[1] for sdk, raw in pairs) - 1
    return out


def measure(raw: Call, sdk: Call, *, blocks: int, calls: int) -> dict[str, float]:
    """Median per-call microseconds of each, over alternating blocks."""
    for call in (raw, sdk):
        _per_call(call, max(1, calls // 4))  # warm-up: connection, caches
    samples: dict[str, list[tuple[float, float]]] = {"raw": [], "sdk": []}
    for block in range(blocks):
        order = [("raw", raw), ("sdk", sdk)] if block % 2 == 0 else [("sdk", sdk), ("raw", raw)]
        for name, call in order:
            samples[name].append(_per_call(call, calls))
    return _summary(samples)


async def measure_async(
    raw: AsyncCall, sdk: AsyncCall, *, blocks: int, calls: int
) -> dict[str, float]:
    """``measure`` for the async clients."""
    for call in (raw, sdk):
        await _per_async_call(call, max(1, calls // 4))
    samples: dict[str, list[tuple[float, float]]] = {"raw": [], "sdk": []}
    for block in range(blocks):
        order = [("raw", raw), ("sdk", sdk)] if block % 2 == 0 else [("sdk", sdk), ("raw", raw)]
        for name, call in order:
            samples[name].append(await _per_async_call(call, calls))
    return _summary(samples)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print JSON; ``{"available": false}`` without the SDK."""
    parser = argparse.ArgumentParser(prog="bench.sdk")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    sdk = _sdk()
    if sdk is None:
        print(json.dumps({"available": False}))
        return
    origin = f"http://127.0.0.1:{args.port}"
    sync_sdk = sdk.Client(origin, args.token)
    async_sdk = sdk.AsyncClient(origin, args.token)
    result = {
        "available": True,
        "sync": measure(
            raw_call(origin, args.token),
            sync_sdk.get_notification_settings,
            blocks=args.blocks,
            calls=args.calls,
        ),
        "async": asyncio.run(
            measure_async(
                raw_async_call(origin, args.token),
                async_sdk.get_notification_settings,
                blocks=args.blocks,
                calls=args.calls,
            )
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
