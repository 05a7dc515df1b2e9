"""Run the whole benchmark and write BENCHMARKS.md: ``python -m bench.run [--quick]``.

Every contender serves at once, each on its own copy of the database and pinned to the
server core; one load at a time runs from a separate process pinned to the other core.
Repetitions interleave the apps (in a rotating order) so that they share the noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from bench import report
from bench.fixture import prepare_database
from bench.load import put_body
from bench.servers import CLIENT_CPU, AppKind, Server, all_running, contenders, pinned
from bench.stats import Cell

ROOT = Path(__file__).resolve().parent.parent
MAX_CONNECTIONS = 20


def _load(server: Server, method: str, connections: int, tokens: Path, args: Any) -> Cell:
    argv = [
        sys.executable,
        "-m",
        "bench.load",
        f"--port={server.port}",
        f"--method={method}",
        f"--connections={connections}",
        f"--tokens-file={tokens}",
        f"--warmup={args.warmup}",
        f"--duration={args.duration}",
        f"--server-pid={server.pid}",
        f"--scrape-every={server.kind.scrape_every}",
    ]
    done = subprocess.run(  # noqa: S603 (argv is ours, no shell)
        pinned(CLIENT_CPU, argv),
        capture_output=True,
        text=True,
        timeout=args.warmup + args.duration + 120,
        check=True,
        cwd=ROOT,
    )
    cell: dict[str, Any] = json.loads(done.stdout)
    cell["app"] = server.kind.key
    return cell


def _check_same_answers(servers: Sequence[Server], token: str) -> None:
    """Every contender answers the same JSON, so they do the same work."""
    headers = {"X-Api-Token": token}
    body = json.loads(put_body(0, 1))
    answers = []
    for server in servers:
        before = httpx.get(server.url, headers=headers, timeout=10)
        after = httpx.put(server.url, headers=headers, json=body, timeout=10)
        answers.append((before.status_code, before.json(), after.status_code, after.json()))
    for server, answer in zip(servers, answers, strict=True):
        if answer != answers[0]:
            raise SystemExit(f"{server.kind.label} answers differently: {answer} != {answers[0]}")


def _measure(servers: Sequence[Server], tokens: Path, args: Any) -> list[Cell]:
    cells: list[Cell] = []
    for rep in range(args.repeat):
        for method, connections in args.scenarios:
            # A rotating order, so no app always runs first (or right after another one).
            order = [servers[(i + rep) % len(servers)] for i in range(len(servers))]
            for server in order:
                cell = dict(_load(server, method, connections, tokens, args), rep=rep)
                cells.append(cell)
                print(
                    f"run {rep + 1}/{args.repeat} {method} x{connections:<2} "
                    f"{server.kind.label:<28} {cell['throughput']:7.0f} req/s  "
                    f"p50 {cell['p50_ms']:6.2f}  p99 {cell['p99_ms']:6.2f} ms  "
                    f"cpu {cell['server_cpu_us']:5.0f} us/req  errors {cell['errors']}  "
                    f"(others {cell['other_cores']:.2f} cores)",
                    file=sys.stderr,
                    flush=True,
                )
    return cells


def _sdk(server: Server, token: str, quick: bool) -> dict[str, Any]:
    env = dict(os.environ)
    # The SDK is its own distribution; use the checkout's when it is not installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "sdk"), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "bench.sdk", f"--port={server.port}", f"--token={token}"]
    if quick:
        argv += ["--blocks=4", "--calls=50"]
    done = subprocess.run(  # noqa: S603 (argv is ours, no shell)
        pinned(CLIENT_CPU, argv), capture_output=True, text=True, timeout=600, cwd=ROOT, env=env
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"available": False, "reason": f"the SDK run failed ({last})"}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _versions() -> str:
    names = ("connexion", "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy")
    return ", ".join(f"{name} {metadata.version(name)}" for name in names)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _header(
    args: Any, cells: Sequence[Cell], kinds: Sequence[AppKind], minutes: float
) -> list[str]:
    others = sorted(float(c["other_cores"]) for c in cells)
    middle = others[len(others) // 2] if others else float("nan")
    return [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs ({_cpu_model()}), "
        f"Python {platform.python_version()}; {_versions()}.",
        "",
        f"- Contenders: {', '.join(k.label for k in kinds)}. Ours is `mailnotify serve` with "
        "default settings (JSON access log on); the reference apps run under `uvicorn.run` "
        "defaults (uvicorn's access log on). One worker each, SQLite (WAL) file database; "
        "the `--workers N` contenders (issue 8) run with access log and embedded worker off, "
        "`--workers 2` on both cores.",
        f"- {args.repeat} runs per cell, interleaved; each run {args.warmup:g} s warm-up + "
        f"{args.duration:g} s measured, closed loop, keep-alive, one customer per connection; "
        "PUT sends a full five-field body that changes the row every time.",
        "- Server pinned to CPU 0, load generator (raw asyncio sockets, `bench/load.py`) to "
        "CPU 1. Other processes kept a median of "
        f"{middle:.2f} cores busy during the measured windows (range {others[0]:.2f}-"
        f"{others[-1]:.2f}): throughput is noisy; server CPU per request is the steadier "
        f"figure. Whole run: {minutes:.1f} min.",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 1 when one of our targets is missed."""
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (about 1 min)")
    parser.add_argument("--repeat", type=int, help="runs per cell (default 5; quick 1)")
    parser.add_argument("--warmup", type=float, help="seconds (default 1; quick 0.5)")
    parser.add_argument("--duration", type=float, help="measured seconds (default 3; quick 1.5)")
    parser.add_argument("--no-log-variant", action="store_true", help="skip ours without log")
    parser.add_argument(
        "--candidate",
        type=Path,
        action="append",
        default=[],
        metavar="CHECKOUT",
        help="also run the server of this checkout (a proposed change); repeatable",
    )
    parser.add_argument(
        "--candidate-workers", type=int, default=1, help="server processes of each candidate"
    )
    parser.add_argument("--no-workers", action="store_true", help="skip issue 8's contenders")
    parser.add_argument("--apps", help="comma-separated contender keys to keep (default: all)")
    parser.add_argument("--scenarios", help="e.g. GET1,PUT20 (default: all four)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--write", action="store_true", help="write the file even when quick")
    parser.add_argument("--json", type=Path, help="also save every run's numbers here")
    args = parser.parse_args(argv)
    # Many short runs rather than a few long ones: finer interleaving shares the noise of
    # a busy machine better, and the median has more runs to choose from.
    args.repeat = args.repeat or (1 if args.quick else 5)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    args.duration = args.duration or (1.5 if args.quick else 3.0)
    kinds = contenders(
        with_no_log=not args.no_log_variant,
        candidates=args.candidate,
        candidate_workers=args.candidate_workers,
        with_workers=not args.no_workers,
    )
    if args.apps:
        kinds = [k for k in kinds if k.key in args.apps.split(",")]
    args.scenarios = [
        (m, c) for m, c in report.SCENARIOS if not args.scenarios or f"{m}{c}" in args.scenarios
    ]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mailnotify-bench-") as tmp:
        directory = Path(tmp)
        print("preparing the database ...", file=sys.stderr, flush=True)
        _, tokens = prepare_database(directory, MAX_CONNECTIONS)
        tokens_file = directory / "tokens.json"
        tokens_file.write_text(json.dumps(tokens))
        with all_running(kinds, directory, directory / "bench.db", tokens[0]) as servers:
            _check_same_answers(servers, tokens[0])
            cells = _measure(servers, tokens_file, args)
            sdk = _sdk(servers[0], tokens[0], args.quick)
    if args.json:
        args.json.write_text(json.dumps({"cells": cells, "sdk": sdk}, indent=1))
    header = _header(args, cells, kinds, (time.monotonic() - started) / 60)
    section = report.render(cells, labels={k.key: k.label for k in kinds}, header=header, sdk=sdk)
    print(section)
    if not args.quick or args.write:
        report.write(args.output, section)
        print(f"wrote {args.output}", file=sys.stderr)
    met = [t.met for t in report.targets(cells) + report.workers_targets(cells)]
    return 0 if all(met) else 1


if __name__ == "__main__":
    raise SystemExit(main())
