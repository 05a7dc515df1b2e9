"""Keep Schemathesis' positive cases valid for the server's current state.

The schema cannot say that enabling an action needs its destination, saved or in the same
request, nor that a destination cannot be cleared while an action needs it (CONTRACT §2
rules 3 and 5), nor that a domain's customer and a report's domain must exist. A
schema-valid request can therefore be rightly refused with 422, and
``positive_data_acceptance`` would call that a failure. Rather than accept 422 for every
valid request (which would hide real false refusals), each positive case is completed
before it is sent so that it is valid in *every* state the server can be in:

- settings: a destination set to null is set to a valid one instead (test pings need
  both saved); an action switched on without its destination in the request brings
  one along. The saved settings always keep the rules, so the result keeps them too.
- domains: the customer (and the manager, when one is named) are the seeded ones.
- usage: every report is about a mailbox of the seeded domain, observed in the past
  (a report more than 5 minutes ahead of the server's clock is refused).

Only values are replaced, always by schema-valid ones; negative cases are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemathesis import Case, GenerationMode

# Each action and the destination it sends to (CONTRACT §2).
NEEDS: Mapping[str, str] = {
    "email_overquota_callback": "notification_url",
    "domain_create_callback": "notification_url",
    "email_overquota_email": "notification_email",
}
DESTINATIONS: Mapping[str, str] = {
    "notification_url": "https://hooks.example.com/mail",
    "notification_email": "ops@example.com",
}
ENV_PREFIX = "MAILNOTIFY_FUZZ_"


@dataclass(frozen=True, slots=True)
class World:
    """The directory the fuzzed server was seeded with."""

    customer_code: str
    manager_code: str
    domain_name: str

    def environ(self) -> dict[str, str]:
        """The world as environment variables, for the CLI's hooks."""
        return {
            f"{ENV_PREFIX}CUSTOMER_CODE": self.customer_code,
            f"{ENV_PREFIX}MANAGER_CODE": self.manager_code,
            f"{ENV_PREFIX}DOMAIN_NAME": self.domain_name,
        }

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> World | None:
        """The world from ``environ``, or None when it was not set."""
        try:
            return cls(
                customer_code=environ[f"{ENV_PREFIX}CUSTOMER_CODE"],
                manager_code=environ[f"{ENV_PREFIX}MANAGER_CODE"],
                domain_name=environ[f"{ENV_PREFIX}DOMAIN_NAME"],
            )
        except KeyError:
            return None


def keep_destinations(body: MutableMapping[str, Any]) -> None:
    """Save a valid destination where one is set to null.

    A test ping (CONTRACT §7) needs both destinations saved in every state, or it is
    rightly refused. Negative cases too: one that is negative only by a read-only field
    (ignored by the server) is accepted, and would clear them. null is always valid
    there, so replacing it takes nothing negative away.
    """
    for destination in DESTINATIONS:
        if destination in body and body[destination] is None:
            body[destination] = DESTINATIONS[destination]


def settings_update(body: MutableMapping[str, Any]) -> None:
    """Complete a settings update so that it keeps rules 3 and 5 from any valid state."""
    keep_destinations(body)
    for action, destination in NEEDS.items():
        if body.get(action) is True and destination not in body:
            body[destination] = DESTINATIONS[destination]


def domain_upsert(body: MutableMapping[str, Any], world: World) -> None:
    """Name the seeded customer, and the seeded manager where a manager is named."""
    body["customer_code"] = world.customer_code
    if body.get("manager_code") is not None:
        body["manager_code"] = world.manager_code


# A moment safely in the past, for reports generated in the future.
PAST = "2026-11-24T10:00:00Z"


def usage_batch(body: MutableMapping[str, Any], world: World) -> None:
    """Put every report on a mailbox of the seeded domain, observed in the past."""
    now = datetime.now(UTC)
    for report in body.get("reports", ()):
        if isinstance(report, dict) and isinstance(report.get("email_code"), str):
            report["domain_name"] = world.domain_name
            report["email_address"] = f"{report['email_code']}@{world.domain_name}"
        if isinstance(report, dict) and isinstance(report.get("observed_at"), str):
            try:
                ahead = datetime.fromisoformat(report["observed_at"]) > now
            except (ValueError, TypeError):  # not a date-time, or without an offset
                continue
            if ahead:
                report["observed_at"] = PAST


def adapt(case: Case[Any], world: World | None) -> bool:
    """Complete ``case`` in place if it is a positive one; whether it was touched.

    Without a ``world`` only settings updates are completed: they need nothing seeded.
    """
    meta = case.meta
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id == "updateNotificationSettings" and isinstance(case.body, dict):
        keep_destinations(case.body)
    if meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return False
    if not isinstance(case.body, dict):
        return False
    if operation_id == "updateNotificationSettings":
        settings_update(case.body)
    elif world is None:
        return False
    elif operation_id == "upsertDomain":
        domain_upsert(case.body, world)
    elif operation_id == "reportUsage":
        usage_batch(case.body, world)
    else:
        return False
    return True
