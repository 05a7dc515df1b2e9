"""Medians over repeated runs, and ratios of runs that shared the same noise."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Cell = Mapping[str, Any]  # one load run: bench.load.Result's fields plus app and rep


@dataclass(frozen=True, slots=True)
class Summary:
    """One app, method and connection count, over its runs."""

    app: str
    method: str
    connections: int
    runs: int
    throughput: float
    throughput_min: float
    throughput_max: float
    p50_ms: float
    p99_ms: float
    server_cpu_us: float
    client_cpu_us: float
    other_cores: float
    errors: int


def _median(values: Iterable[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return statistics.median(finite) if finite else math.nan


def _select(cells: Sequence[Cell], app: str, method: str, connections: int) -> list[Cell]:
    return [
        c
        for c in cells
        if c["app"] == app and c["method"] == method and c["connections"] == connections
    ]


def summarize(cells: Sequence[Cell], app: str, method: str, connections: int) -> Summary:
    """Medians of ``app``'s runs in one scenario."""
    runs = _select(cells, app, method, connections)
    rates = [float(c["throughput"]) for c in runs]
    return Summary(
        app=app,
        method=method,
        connections=connections,
        runs=len(runs),
        throughput=_median(rates),
        throughput_min=min(rates, default=math.nan),
        throughput_max=max(rates, default=math.nan),
        p50_ms=_median(c["p50_ms"] for c in runs),
        p99_ms=_median(c["p99_ms"] for c in runs),
        server_cpu_us=_median(c["server_cpu_us"] for c in runs),
        client_cpu_us=_median(c["client_cpu_us"] for c in runs),
        other_cores=_median(c["other_cores"] for c in runs),
        errors=sum(int(c["errors"]) for c in runs),
    )


def paired_ratio(
    cells: Sequence[Cell], app: str, reference: str, method: str, connections: int, key: str
) -> float:
    """Median over repetitions of ``app``'s ``key`` divided by ``reference``'s in the same one.

    The apps of one repetition ran back to back, so each pair shares that moment's noise.
    """
    ours = {c["rep"]: float(c[key]) for c in _select(cells, app, method, connections)}
    theirs = {c["rep"]: float(c[key]) for c in _select(cells, reference, method, connections)}
    return _median(ours[r] / theirs[r] for r in ours if r in theirs and theirs[r] > 0)
