"""Prometheus metrics (CONTRACT §8): the series, the multiprocess directory, the scrape.

A process builds one ``Metrics`` and hands it to whatever counts (the request middleware,
the intake handlers, the delivery worker). Counters and histograms live in the process
unless ``PROMETHEUS_MULTIPROC_DIR`` names a directory: then every process writes its
values there and a scrape merges the files of all of them, which is what makes
``/metrics`` right under ``serve --workers N`` and lets a ``mailnotify worker`` on the same
host share a directory with ``serve``. Outbox gauges are read from the database at scrape
time, so they need no per-process state at all.

Labels carry operation ids, channels, outcomes and action types only: never a path, an
address, a user or a domain.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from mailnotify.clock import now_ms
from mailnotify.models import Delivery, DeliveryStatus, table_of

ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Requests: most answer in milliseconds; the tail is what the buckets must show.
_REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Event to delivery: milliseconds when all is well, hours when a receiver is down and the
# retry schedule (up to 10 h between attempts) runs.
_DELIVERY_BUCKETS = (
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
    1800.0, 7200.0, 36000.0, 86400.0,
)  # fmt: skip


class Metrics:
    """The series a process counts into; build one per process (or per app in tests)."""

    def __init__(self) -> None:
        # Each instance has a registry of its own, so that tests can build many apps in one
        # process; in multiprocess mode the values go to the shared directory regardless.
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "mailnotify_http_requests",
            "HTTP requests answered, by operation and status.",
            ("operation", "status"),
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "mailnotify_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by operation.",
            ("operation",),
            buckets=_REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "mailnotify_deliveries",
            "Delivery attempts by channel and outcome (delivered, retry, failed, skipped).",
            ("channel", "outcome"),
            registry=self.registry,
        )
        self.event_to_delivery_seconds = Histogram(
            "mailnotify_event_to_delivery_seconds",
            "Time from an event's creation to its successful delivery, by channel.",
            ("channel",),
            buckets=_DELIVERY_BUCKETS,
            registry=self.registry,
        )
        self.usage_reports = Counter(
            "mailnotify_usage_reports",
            "Usage reports received, by result (applied, ignored as older).",
            ("result",),
            registry=self.registry,
        )
        self.events = Counter(
            "mailnotify_events",
            "Events raised, by action type.",
            ("action_type",),
            registry=self.registry,
        )
        self._per_request: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    def request(self, operation: str, status: int, seconds: float) -> None:
        """One answered request."""
        key = (operation, status)
        children = self._per_request.get(key)
        if children is None:
            # labels() costs as much as the inc and observe together; the label values
            # are few (operation ids, statuses), so their series are kept at hand.
            children = (
                self.requests.labels(operation, str(status)),
                self.request_seconds.labels(operation),
            )
            self._per_request[key] = children
        count, duration = children
        count.inc()
        duration.observe(seconds)

    def usage(self, *, applied: int, ignored: int) -> None:
        """One accepted usage batch."""
        if applied:
            self.usage_reports.labels("applied").inc(applied)
        if ignored:
            self.usage_reports.labels("ignored").inc(ignored)

    def raised(self, action_type: str, count: int = 1) -> None:
        """``count`` events of ``action_type`` were committed."""
        if count:
            self.events.labels(action_type).inc(count)

    def delivery(self, channel: str, outcome: str, *, age_seconds: float | None = None) -> None:
        """One attempt's outcome; a delivered one also observes its event's age."""
        self.deliveries.labels(channel, outcome).inc()
        if outcome == "delivered" and age_seconds is not None:
            self.event_to_delivery_seconds.labels(channel).observe(max(age_seconds, 0.0))


# --- the multiprocess directory ---------------------------------------------------------------


def use_multiprocess_dir() -> Path | None:
    """For a serving process about to start its children: make them all count together.

    When the operator set ``PROMETHEUS_MULTIPROC_DIR`` (shared with the host's workers),
    this process joins it and None is returned. Otherwise a fresh directory is made, so
    that nothing of an earlier run is counted; the caller removes it with
    ``clear_multiprocess_dir`` when the children are gone.
    """
    if multiprocess_dir() is not None:
        join_multiprocess_dir()
        return None
    directory = Path(tempfile.mkdtemp(prefix="mailnotify-metrics-"))
    os.environ[ENV] = str(directory)
    _pick_value_class()
    return directory


def join_multiprocess_dir() -> Path | None:
    """Count into the operator's ``PROMETHEUS_MULTIPROC_DIR`` when one is set; the directory.

    For processes that share a directory they did not make: a ``serve`` and the
    ``mailnotify worker``s of one host, so that one scrape of ``serve`` shows them all.
    The files of processes that are gone are kept: their counts stay in the sums, which
    would otherwise drop and look like a counter reset to Prometheus. Empty the directory
    when the host's processes start together (a tmpfs, or a step before they start).
    """
    directory = multiprocess_dir()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        _pick_value_class()
    return directory


def _pick_value_class() -> None:
    # prometheus-client picks its value class when it is first imported; pick it again now
    # that the directory is set, whatever was imported before.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def multiprocess_dir() -> Path | None:
    """The directory processes count into, or None when each process counts alone."""
    value = os.environ.get(ENV)
    return Path(value) if value else None


def clear_multiprocess_dir(directory: Path) -> None:
    """Remove a directory made by ``use_multiprocess_dir`` (at the serving process's end)."""
    shutil.rmtree(directory, ignore_errors=True)


# --- the scrape -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxState:
    """What the outbox holds at one moment."""

    pending: int
    oldest_due_seconds: float


def read_outbox(engine: Engine, now: int) -> OutboxState:
    """Pending deliveries and the age of the oldest one that is due (a short read)."""
    deliveries = table_of(Delivery)
    pending = deliveries.c.status == DeliveryStatus.pending.value
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # A scrape must not queue behind a lock or a slow plan; skip it instead.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 2000")
        count = connection.execute(select(func.count()).where(pending)).scalar_one()
        oldest = connection.execute(
            select(func.min(deliveries.c.due_ms)).where(pending, deliveries.c.due_ms <= now)
        ).scalar_one()
    age = 0.0 if oldest is None else max(now - int(oldest), 0) / 1000
    return OutboxState(int(count), age)


class OutboxCollector(Collector):
    """Outbox gauges read at scrape time; a database that does not answer is reported, not
    waited for."""

    def __init__(self, read: Callable[[], OutboxState], timeout: float = 2.0) -> None:
        self._read = read
        self._timeout = timeout
        # One read at a time: scrapes during an outage must not pile up blocked threads.
        self._busy = threading.Lock()

    def collect(self) -> Iterable[Metric]:
        """The gauges, or only ``mailnotify_outbox_up 0`` when the read failed."""
        state = self._try_read()
        up = GaugeMetricFamily(
            "mailnotify_outbox_up",
            "1 when the outbox gauges below were read from the database at this scrape.",
        )
        up.add_metric([], 0.0 if state is None else 1.0)
        yield up
        if state is None:
            return
        depth = GaugeMetricFamily(
            "mailnotify_outbox_pending", "Deliveries waiting to be sent (due or scheduled)."
        )
        depth.add_metric([], float(state.pending))
        yield depth
        age = GaugeMetricFamily(
            "mailnotify_outbox_oldest_due_seconds",
            "How long the oldest due delivery has been waiting (0 when none is due).",
        )
        age.add_metric([], state.oldest_due_seconds)
        yield age

    def _try_read(self) -> OutboxState | None:
        if not self._busy.acquire(blocking=False):
            return None
        result: list[OutboxState] = []

        def run() -> None:
            try:
                result.append(self._read())
            except Exception:  # noqa: S110 (a failed read is reported as outbox_up 0)
                pass
            finally:
                self._busy.release()

        thread = threading.Thread(target=run, name="mailnotify-metrics-outbox", daemon=True)
        thread.start()
        thread.join(self._timeout)
        return result[0] if result else None


def scrape(metrics: Metrics, outbox: OutboxCollector | None) -> bytes:
    """The Prometheus text of every process's series plus the outbox gauges (blocking)."""
    directory = multiprocess_dir()
    if directory is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    else:
        registry = metrics.registry
    text = generate_latest(registry)
    if outbox is not None:
        extra = CollectorRegistry()
        extra.register(outbox)
        text += generate_latest(extra)
    return text


def outbox_collector(engine: Engine) -> OutboxCollector:
    """The outbox gauges of ``engine``'s database."""
    return OutboxCollector(lambda: read_outbox(engine, now_ms()))


def samples(text: str) -> Iterator[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample in a scrape: for tests and the soak."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            yield sample.name, dict(sample.labels), sample.value
