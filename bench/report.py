"""BENCHMARKS.md: the generated section (tables, ratios, targets) between two markers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.stats import Cell, Summary, paired_ratio, summarize

BEGIN = "<!-- bench:begin (written by scripts/bench; edits inside are overwritten) -->"
END = "<!-- bench:end -->"
OURS = "mailnotify"
SCENARIOS = (("GET", 1), ("GET", 20), ("PUT", 1), ("PUT", 20))

_SKELETON = f"""# Benchmarks

How fast `GET` and `PUT /api/users/me/notifications` are, next to the same endpoints on a
bare Starlette app (the limit) and on an idiomatic FastAPI app (the usual alternative).
Run `scripts/bench` (a few minutes) to refresh the section below; `scripts/bench --quick`
is a smoke run that prints its table and leaves this file alone.

{BEGIN}
{END}
"""


@dataclass(frozen=True, slots=True)
class Target:
    """One target of issue 2, checked against the medians."""

    name: str
    measured: str
    met: bool


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def _ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def targets(cells: Sequence[Cell]) -> list[Target]:
    """Issue 2's targets for our server, judged on the measured medians."""
    found = []
    for connections in (1, 20):
        for reference, floor in (("fastapi", 1.0), ("starlette", 0.4)):
            ratio = paired_ratio(cells, OURS, reference, "GET", connections, "throughput")
            by_cpu = paired_ratio(cells, reference, OURS, "GET", connections, "server_cpu_us")
            found.append(
                Target(
                    f"GET req/s at {connections} conn >= {floor}x {reference}",
                    f"{_ratio(ratio)} (by CPU per request: {_ratio(by_cpu)})",
                    ratio >= floor,
                )
            )
    put = summarize(cells, OURS, "PUT", 20)
    # With 20 requests in flight on one worker, a request waits for the 19 ahead of it.
    floor_ms = 20 * put.server_cpu_us / 1000
    found.append(
        Target(
            "PUT p99 at 20 conns < 25 ms",
            f"{_fmt(put.p99_ms)} ms (p50 {_fmt(put.p50_ms)} ms; 20 x CPU per request = "
            f"{_fmt(floor_ms)} ms)",
            put.p99_ms < 25,
        )
    )
    errors = sum(int(c["errors"]) for c in cells if c["app"] == OURS)
    found.append(Target("zero errors (non-2xx or failed requests)", str(errors), errors == 0))
    return found


W1, W2, W2_SCRAPED = "mailnotify-w1", "mailnotify-w2", "mailnotify-w2-scraped"


def workers_targets(cells: Sequence[Cell]) -> list[Target]:
    """Issue 8's request-path targets, when its contenders ran."""
    apps = {c["app"] for c in cells}
    found = []
    if {W1, W2} <= apps:
        ratio = paired_ratio(cells, W2, W1, "GET", 20, "throughput")
        found.append(
            Target(
                "`serve --workers 2` GET req/s at 20 conns >= 1.5x `--workers 1`",
                _ratio(ratio),
                ratio >= 1.5,
            )
        )
    if W2 in apps:
        put = summarize(cells, W2, "PUT", 20)
        found.append(
            Target(
                "`serve --workers 2` PUT p99 at 20 conns < 25 ms",
                f"{_fmt(put.p99_ms)} ms (p50 {_fmt(put.p50_ms)} ms)",
                put.p99_ms < 25,
            )
        )
    if {W2, W2_SCRAPED} <= apps:
        cost = 1 - paired_ratio(cells, W2_SCRAPED, W2, "GET", 20, "throughput")
        cpu = paired_ratio(cells, W2_SCRAPED, W2, "GET", 20, "server_cpu_us") - 1
        found.append(
            Target(
                "`/metrics` scraped every 1 s costs <= 5 % of GET req/s (`--workers 2`, 20 conns)",
                f"{cost * 100:+.1f} % (server CPU per request {cpu * 100:+.1f} %)",
                cost <= 0.05,
            )
        )
    return found


def _medians_table(cells: Sequence[Cell], labels: Mapping[str, str]) -> list[str]:
    rows = [
        "| app | method | conns | req/s (min-max) | p50 ms | p99 ms | server CPU us/req "
        "| req/s per CPU-s | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for method, connections in SCENARIOS:
        for app, label in labels.items():
            s: Summary = summarize(cells, app, method, connections)
            rows.append(
                f"| {label} | {method} | {connections} | {_fmt(s.throughput, 0)} "
                f"({_fmt(s.throughput_min, 0)}-{_fmt(s.throughput_max, 0)}) "
                f"| {_fmt(s.p50_ms, 2)} | {_fmt(s.p99_ms, 2)} | {_fmt(s.server_cpu_us, 0)} "
                f"| {_fmt(1e6 / s.server_cpu_us, 0)} | {s.errors} |"
            )
    return rows


def _ratios_table(cells: Sequence[Cell], apps: Sequence[str]) -> list[str]:
    rows = [
        "| app | method | conns | req/s vs FastAPI | req/s vs Starlette "
        "| CPU/req vs FastAPI | CPU/req vs Starlette |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for method, connections in SCENARIOS:
        for app in apps:
            cols = [
                _ratio(paired_ratio(cells, app, ref, method, connections, key))
                for key in ("throughput", "server_cpu_us")
                for ref in ("fastapi", "starlette")
            ]
            rows.append(f"| {app} | {method} | {connections} | " + " | ".join(cols) + " |")
    return rows


def render(
    cells: Sequence[Cell],
    *,
    labels: Mapping[str, str],
    header: Sequence[str],
    sdk: Mapping[str, object],
) -> str:
    """The generated section's markdown."""
    lines = [*header, "", "### Medians", "", *_medians_table(cells, labels), ""]
    ours = [app for app in labels if app not in ("fastapi", "starlette")]
    lines += [
        "### Ratios",
        "",
        "Median over repetitions of the ratio between runs of the same repetition (they ran",
        "back to back, so each pair shared that moment's noise). Above 1 is better for",
        "req/s; below 1 is better for CPU per request.",
        "",
        *_ratios_table(cells, ours),
        "",
        "### Targets (issue 2)",
        "",
        "| target | measured | met |",
        "|---|--:|---|",
    ]
    lines += [
        f"| {t.name} | {t.measured} | {'yes' if t.met else '**no**'} |" for t in targets(cells)
    ]
    if issue_8 := workers_targets(cells):
        lines += ["", "### Targets (issue 8)", "", "| target | measured | met |", "|---|--:|---|"]
        lines += [f"| {t.name} | {t.measured} | {'yes' if t.met else '**no**'} |" for t in issue_8]
    lines += ["", "### SDK overhead", "", *_sdk_lines(sdk)]
    return "\n".join(lines)


def _sdk_lines(sdk: Mapping[str, object]) -> list[str]:
    if not sdk.get("available"):
        reason = sdk.get("reason", "`mailnotify_sdk` is not installed")
        return [f"Not measured: {reason}. `bench/sdk.py` measures it once it is."]
    lines = [
        "Sequential GETs against our server on one keep-alive connection per client, in",
        "alternating blocks; medians per call, and the median ratio of neighbouring blocks.",
        "Target: the SDK at most 10% over raw httpx (wall time per call).",
        "",
        "| client | raw httpx wall us | SDK wall us | overhead | raw httpx CPU us | SDK CPU us "
        "| CPU overhead |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for kind in ("sync", "async"):
        m = sdk.get(kind)
        if not isinstance(m, Mapping):
            continue
        overhead = float(m["overhead"])
        verdict = "" if overhead <= 0.10 else " **missed**"
        lines.append(
            f"| {kind} | {_fmt(float(m['raw_wall_us']), 0)} | {_fmt(float(m['sdk_wall_us']), 0)} "
            f"| {overhead * 100:+.1f}%{verdict} | {_fmt(float(m['raw_cpu_us']), 0)} "
            f"| {_fmt(float(m['sdk_cpu_us']), 0)} | {float(m['cpu_overhead']) * 100:+.1f}% |"
        )
    return lines


def write(path: Path, section: str) -> None:
    """Replace the generated section of ``path``, creating the file if needed."""
    text = path.read_text(encoding="utf-8") if path.exists() else _SKELETON
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    path.write_text(f"{before}{BEGIN}\n{section}\n{END}{after}", encoding="utf-8")
