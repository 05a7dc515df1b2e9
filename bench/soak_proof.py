"""What the soak proves, from the receiver's own log, the load's answers and the database."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import orjson

from bench.soak_load import Call, Fault
from mailnotify.metrics import samples

DATABASE_FAULT = "PostgreSQL"
# A request sent just before the stop may be answered just after the start, and calls
# queued on a server's database threads during the outage may still run out their
# deadline (MAILNOTIFY_DATABASE_TIMEOUT, 5 s) behind connects that time out (as long) after
# the database is ready again: on a loaded 2-core machine that took longer than 5 s.
GRACE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything the soak collected."""

    began: float
    ended: float
    drained: bool
    calls: list[Call]
    faults: list[Fault]
    receiver_log: bytes
    email_ids: list[str]
    metrics: str
    event_created: dict[str, float]
    expected_webhooks: set[str]
    expected_emails: set[str]
    statuses: dict[str, int]


@dataclass(frozen=True, slots=True)
class Check:
    """One claim and whether it held."""

    claim: str
    held: bool
    detail: str


@dataclass
class Verdict:
    """The checks, and the figures printed beside them."""

    evidence: Evidence
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    latencies: dict[str, tuple[int, float, float, float]] = field(default_factory=dict)
    answers: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether every check held."""
        return all(check.held for check in self.checks)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _outside(calls: list[Call], windows: list[tuple[float, float]]) -> list[Call]:
    """The calls that overlap none of ``windows`` (epoch seconds)."""
    return [
        c
        for c in calls
        if not any(lo <= c.started + c.seconds and c.started <= hi for lo, hi in windows)
    ]


def judge(evidence: Evidence) -> Verdict:
    """The verdict on ``evidence``."""
    verdict = Verdict(evidence)
    arrivals = [orjson.loads(line) for line in evidence.receiver_log.splitlines() if line.strip()]
    accepted: dict[str, list[float]] = defaultdict(list)
    for arrival in arrivals:
        if arrival["status"] == 200 and arrival["verified"]:
            accepted[arrival["id"]].append(arrival["arrived"])
    unsigned = [a for a in arrivals if not a["verified"]]
    missing = evidence.expected_webhooks - set(accepted)
    verdict.checks.append(
        Check(
            "every webhook the settings asked for arrived at least once, validly signed",
            not missing and not unsigned,
            f"{len(evidence.expected_webhooks) - len(missing):,} of "
            f"{len(evidence.expected_webhooks):,} events; {len(unsigned)} bad signatures",
        )
    )
    got_emails = {mid.strip("<>").split("@", 1)[0] for mid in evidence.email_ids}
    missing_emails = evidence.expected_emails - got_emails
    verdict.checks.append(
        Check(
            "every email delivery arrived at the SMTP server",
            not missing_emails,
            f"{len(evidence.expected_emails) - len(missing_emails):,} of "
            f"{len(evidence.expected_emails):,}",
        )
    )
    verdict.checks.append(
        Check(
            "the outbox drained (nothing pending at the end)",
            evidence.drained,
            ", ".join(f"{k}: {v:,}" for k, v in sorted(evidence.statuses.items())),
        )
    )
    windows = [
        (f.began, f.ended + GRACE_SECONDS) for f in evidence.faults if DATABASE_FAULT in f.name
    ]
    errors = [c for c in evidence.calls if c.status == 500]
    verdict.checks.append(
        Check(
            "no request was answered 500",
            not errors,
            f"{len(errors)} answers 500, {len(_outside(errors, windows))} outside the outage",
        )
    )
    unavailable = [c for c in evidence.calls if c.status == 503]
    stray = _outside(unavailable, windows)
    verdict.checks.append(
        Check(
            "503 only while the database was down",
            not stray,
            f"{len(unavailable)} answers 503, {len(stray)} outside the outage",
        )
    )

    by_operation: dict[str, list[Call]] = defaultdict(list)
    for call in evidence.calls:
        by_operation[call.operation].append(call)
    for operation, calls in sorted(by_operation.items()):
        ms = [c.seconds * 1000 for c in calls]
        verdict.latencies[operation] = (
            len(calls),
            statistics.median(ms),
            _percentile(ms, 0.99),
            max(ms),
        )
        verdict.answers[operation] = dict(sorted(Counter(c.status for c in calls).items()))
    duplicates = {i: len(times) - 1 for i, times in accepted.items() if len(times) > 1}
    delays = [
        min(times) - evidence.event_created[i]
        for i, times in accepted.items()
        if i in evidence.event_created
    ]
    longest = max(delays, default=0.0)
    counted = {
        f"{labels['channel']} {labels['outcome']}": value
        for name, labels, value in samples(evidence.metrics)
        if name == "mailnotify_deliveries_total"
    }
    verdict.figures.update(
        {
            "events": f"{len(evidence.event_created):,}",
            "webhook requests logged by the receiver": f"{len(arrivals):,}",
            "duplicates (accepted more than once)": f"{sum(duplicates.values()):,} extra "
            f"arrivals of {len(duplicates):,} events",
            "event to first accepted delivery, p50": f"{_percentile(delays, 0.5) * 1000:,.0f} ms",
            "event to first accepted delivery, p99": f"{_percentile(delays, 0.99):,.1f} s",
            "longest event to delivery delay": f"{longest:,.1f} s",
            "delivery attempts by /metrics (every process, one scrape)": ", ".join(
                f"{k}: {v:,.0f}" for k, v in sorted(counted.items())
            ),
            "requests without an answer (connection error or 30 s timeout)": str(
                sum(1 for c in evidence.calls if c.status == 0)
            ),
        }
    )
    return verdict


def markdown(verdict: Verdict, *, seconds: float, window: float, machine: str) -> str:
    """The results as bench/soak_results.md holds them."""
    evidence = verdict.evidence
    lines = [
        "# Soak under faults (`scripts/soak`)",
        "",
        f"{seconds:.0f} s of mixed load on PostgreSQL ({machine}): two `mailnotify serve`, two",
        "`mailnotify worker`, the HTTPS receiver (`bench/soak_receiver.py`) and an SMTP sink.",
        f"Receiver faults last {window:.0f} s each. Verdict: "
        f"**{'PASSED' if verdict.passed else 'FAILED'}**.",
        "",
        "## Proofs",
        "",
        "| claim | held | detail |",
        "|---|---|---|",
        *(f"| {c.claim} | {'yes' if c.held else '**no**'} | {c.detail} |" for c in verdict.checks),
        "",
        "## Faults (seconds from the start of the load)",
        "",
        "| fault | from | to |",
        "|---|---|---|",
        *(
            f"| {f.name} | +{f.began - evidence.began:.1f} | +{f.ended - evidence.began:.1f} |"
            for f in evidence.faults
        ),
        "",
        "## Figures",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in verdict.figures.items()),
        "",
        "## Requests per operation (all answers, chaos included)",
        "",
        "| operation | requests | p50 ms | p99 ms | max ms | answers |",
        "|---|---|---|---|---|---|",
        *(
            f"| {op} | {n:,} | {p50:.1f} | {p99:.1f} | {top:.0f} | "
            + ", ".join(f"{status or 'none'}: {count}" for status, count in answers.items())
            + " |"
            for op, (n, p50, p99, top) in verdict.latencies.items()
            for answers in [verdict.answers[op]]
        ),
        "",
    ]
    return "\n".join(lines)
