"""The soak's mixed load (settings, usage batches crossing thresholds, domain activations)
and its chaos loop (a worker killed, the receiver failing then hanging, PostgreSQL restarted).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

# Each mailbox walks normal -> warning -> critical -> normal: three events in a lap of
# eight reports, the others holding a level (as most real reports do).
PERCENTS = (50, 60, 90, 92, 97, 97, 40, 10)
BATCH = 20
# Relative weights of the operations a load thread picks from.
WEIGHTS = {
    "getNotificationSettings": 4,
    "updateNotificationSettings": 2,
    "reportUsage": 3,
    "upsertDomain": 1,
}


@dataclass(frozen=True, slots=True)
class Call:
    """One request the load made: when, how long, what came back (0: no answer)."""

    operation: str
    started: float  # epoch seconds
    seconds: float
    status: int


@dataclass(frozen=True, slots=True)
class World:
    """Who the load acts as."""

    servers: tuple[str, ...]
    customers: tuple[tuple[str, str], ...]  # (code, token)
    platform_token: str
    hook_url: str
    mailboxes_per_domain: int


@dataclass
class Load:
    """``threads`` threads sending mixed requests until ``stop`` is set."""

    world: World
    threads: int = 4
    pause: float = 0.05
    calls: list[Call] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _domains: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        """Start the threads; join them after setting ``stop``."""
        started = [
            threading.Thread(target=self._thread, args=(n,), name=f"soak-load-{n}", daemon=True)
            for n in range(self.threads)
        ]
        for thread in started:
            thread.start()
        return started

    def _thread(self, slot: int) -> None:
        rng = random.Random(slot)  # noqa: S311 (load shape, not secrets)
        # Each thread owns a slice of the mailboxes, so their reports stay in order.
        world = self.world
        owned = [
            (d, m)
            for d in range(len(world.customers))
            for m in range(world.mailboxes_per_domain)
            if (d * world.mailboxes_per_domain + m) % self.threads == slot
        ]
        steps = dict.fromkeys(owned, 0)
        observed = datetime.now(UTC) - timedelta(days=1)
        names = list(WEIGHTS)
        weights = list(WEIGHTS.values())
        cursor = 0
        with httpx.Client(timeout=30) as client:
            n = 0
            while not self.stop.is_set():
                operation = rng.choices(names, weights)[0]
                server = world.servers[n % len(world.servers)]
                n += 1
                code, token = world.customers[rng.randrange(len(world.customers))]
                if operation == "getNotificationSettings":
                    request = client.build_request(
                        "GET",
                        f"{server}/api/users/me/notifications",
                        headers={"X-Api-Token": token},
                    )
                elif operation == "updateNotificationSettings":
                    # A real write that keeps what the user asks for, so that every event
                    # stays one the proof can expect.
                    body = {
                        "notification_url": world.hook_url,
                        "notification_email": f"ops{rng.randrange(1000)}@example.com",
                        "email_overquota_callback": True,
                        "domain_create_callback": True,
                        "email_overquota_email": True,
                    }
                    request = client.build_request(
                        "PUT",
                        f"{server}/api/users/me/notifications",
                        json=body,
                        headers={"X-Api-Token": token},
                    )
                elif operation == "reportUsage":
                    observed += timedelta(seconds=1)
                    reports = []
                    for _ in range(min(BATCH, len(owned))):
                        d, m = owned[cursor % len(owned)]
                        cursor += 1
                        percent = PERCENTS[steps[(d, m)] % len(PERCENTS)]
                        steps[(d, m)] += 1
                        reports.append(_report(d, m, percent, observed))
                    request = client.build_request(
                        "POST",
                        f"{server}/api/platform/usage",
                        json={"reports": reports},
                        headers={"X-Api-Token": world.platform_token},
                    )
                else:
                    with self._lock:
                        self._domains += 1
                        name = f"new{self._domains}.soak.example"
                    body = {"customer_code": code, "postmaster_code": "PM4D5E6", "status": "active"}
                    request = client.build_request(
                        "PUT",
                        f"{server}/api/platform/domains/{name}",
                        json=body,
                        headers={"X-Api-Token": world.platform_token},
                    )
                self._send(client, operation, request)
                time.sleep(self.pause)

    def _send(self, client: httpx.Client, operation: str, request: httpx.Request) -> None:
        wall, started = time.time(), time.monotonic()
        try:
            status = client.send(request).status_code
        except httpx.HTTPError:
            status = 0
        with self._lock:
            self.calls.append(Call(operation, wall, time.monotonic() - started, status))


def _report(domain: int, mailbox: int, percent: int, observed: datetime) -> dict[str, object]:
    code = f"M{domain}X{mailbox}"
    name = f"d{domain}.soak.example"
    return {
        "email_address": f"{code.lower()}@{name}",
        "email_code": code,
        "domain_name": name,
        "observed_at": observed.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "space": {"used": percent, "assigned": 100},
        "messages": {"used": 0, "assigned": 100},
    }


def domain_name(index: int) -> str:
    """The name of the soak's ``index``-th starting domain."""
    return f"d{index}.soak.example"


# --- chaos ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing the chaos loop did, from ``began`` to ``ended`` (epoch seconds)."""

    name: str
    began: float
    ended: float


@dataclass
class Chaos:
    """The faults, each at a fraction of the run; what was done, with its times."""

    duration: float
    window: float
    kill_worker: Callable[[], None]
    receiver_mode: Callable[[str], None]
    stop_database: Callable[[], None]
    start_database: Callable[[], None]
    database_ready: Callable[[], bool]
    done: list[Fault] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        """Work through the timeline; stop early when ``stop`` is set."""
        began = time.monotonic()

        def at(fraction: float) -> bool:
            return not stop.wait(max(0.0, began + fraction * self.duration - time.monotonic()))

        if at(0.15):
            self._timed("worker SIGKILLed and restarted", self.kill_worker)
        if at(0.3):
            self._timed("receiver answers 500", lambda: self._mode_for("fail"))
        if at(0.6):
            self._timed(
                "receiver holds requests past the 10 s timeout", lambda: self._mode_for("hang")
            )
        if at(0.8):
            self._timed(
                "PostgreSQL stopped (immediate), started, ready again", self._restart_database
            )

    def _mode_for(self, mode: str) -> None:
        self.receiver_mode(mode)
        time.sleep(self.window)
        self.receiver_mode("ok")

    def _restart_database(self) -> None:
        self.stop_database()
        time.sleep(min(self.window, 5.0))
        self.start_database()
        deadline = time.monotonic() + 60
        while not self.database_ready() and time.monotonic() < deadline:
            time.sleep(0.1)

    def _timed(self, name: str, action: Callable[[], None]) -> None:
        began = time.time()
        action()
        self.done.append(Fault(name, began, time.time()))
