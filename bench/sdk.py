"""The SDK's cost per call against raw httpx, on the same server and the same connection kind.

``python -m bench.sdk --port P --token T`` prints one JSON object: per-call wall time and
client CPU time of ``mailnotify_sdk.Client(base_url, token).get_notification_settings()``
and of ``httpx.Client.get(...).json()``, measured in alternating blocks.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import httpx

from bench.work import PATH

Call = Callable[[], object]


class _SdkClient(Protocol):
    def get_notification_settings(self) -> object: ...


class _SdkModule(Protocol):
    def Client(self, base_url: str, token: str) -> _SdkClient: ...


def sdk_call(base: str, token: str) -> Call | None:
    """The SDK's GET, or None when ``mailnotify_sdk`` is not installed."""
    try:
        module: _SdkModule = importlib.import_module("mailnotify_sdk")
    except ImportError:
        return None
    client = module.Client(base, token)
    return client.get_notification_settings


def raw_call(base: str, token: str) -> Call:
    """The same GET with plain httpx: send, check the status, decode the JSON."""
    client = httpx.Client(base_url=base, headers={"X-Api-Token": token})

    def call() -> object:
        response = client.get(PATH)
        response.raise_for_status()
        return response.json()

    return call


def _per_call(call: Call, count: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call()
    return (
        (time.perf_counter() - wall) / count * 1e6,
        (time.process_time() - cpu) / count * 1e6,
    )


def measure(raw: Call, sdk: Call, *, blocks: int, calls: int) -> dict[str, float]:
    """Median per-call wall and CPU microseconds of each, over alternating blocks."""
    for call in (raw, sdk):
        _per_call(call, max(1, calls // 4))  # warm-up: connection, caches
    results: dict[str, list[tuple[float, float]]] = {"raw": [], "sdk": []}
    for block in range(blocks):
        order = [("raw", raw), ("sdk", sdk)] if block % 2 == 0 else [("sdk", sdk), ("raw", raw)]
        for name, call in order:
            results[name].append(_per_call(call, calls))
    out = {}
    for name, samples in results.items():
        out[f"{name}_wall_us"] = statistics.median(s[0] for s in samples)
        out[f"{name}_cpu_us"] = statistics.median(s[1] for s in samples)
    out["overhead"] = out["sdk_wall_us"] / out["raw_wall_us"] - 1
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print JSON; ``{"available": false}`` without the SDK."""
    parser = argparse.ArgumentParser(prog="bench.sdk")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args(argv)
    origin = f"http://127.0.0.1:{args.port}"
    sdk = sdk_call(origin, args.token)
    if sdk is None:
        print(json.dumps({"available": False}))
        return
    result: dict[str, object] = {"available": True}
    result.update(measure(raw_call(origin, args.token), sdk, blocks=args.blocks, calls=args.calls))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
