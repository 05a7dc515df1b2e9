"""Handlers of the ``platform`` tag: the directory and usage intake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from mailnotify import intake
from mailnotify.clock import now_ms
from mailnotify.errors import MAX_LISTED, FieldError, validation_failed
from mailnotify.events import rfc3339
from mailnotify.models import Domain, DomainStatus, User
from mailnotify.runtime import Runtime


def _domain_view(session: Session, domain: Domain) -> dict[str, object]:
    ids = [i for i in (domain.customer_id, domain.manager_id) if i is not None]
    rows = session.connection().execute(
        select(col(User.id), col(User.code)).where(col(User.id).in_(ids))
    )
    codes = {user_id: code for user_id, code in rows}
    activated = domain.activated_at
    return {
        "domain_name": domain.name,
        "customer_code": codes[domain.customer_id],
        "manager_code": None if domain.manager_id is None else codes[domain.manager_id],
        "postmaster_code": domain.postmaster_code,
        "status": domain.status.value,
        "activated_at": None if activated is None else rfc3339(activated),
    }


async def upsert_domain(
    runtime: Runtime,
    domain_name: str,
    body: Mapping[str, Any],
    invalid: Sequence[FieldError] = (),
) -> dict[str, object]:
    """PUT /platform/domains/{domain_name}."""
    if invalid:
        found = await runtime.database.read(
            lambda connection: intake.assignee_errors(
                connection,
                customer_code=body.get("customer_code"),
                manager_code=body.get("manager_code"),
            )
        )
        raise validation_failed([*invalid, *found])

    def upsert(session: Session) -> tuple[dict[str, object], bool]:
        domain, activated = intake.upsert_domain(
            session=session,
            name=domain_name,
            customer_code=body["customer_code"],
            manager_code=body.get("manager_code"),
            postmaster_code=body["postmaster_code"],
            postmaster_token=body.get("postmaster_token"),
            status=DomainStatus(body["status"]),
            now_ms=now_ms(),
        )
        return _domain_view(session, domain), activated

    view, activated = await runtime.database.write(upsert)
    if activated:
        runtime.metrics.raised("domain_create")
        runtime.outbox_signal.notify()
    return {"resources": [view]}


async def report_usage(
    runtime: Runtime, body: Mapping[str, Any], invalid: Sequence[FieldError] = ()
) -> dict[str, object]:
    """POST /platform/usage."""
    if invalid:
        found: list[FieldError] = []
        if len(invalid) <= MAX_LISTED:  # past the cap, more would not be listed anyway
            found = await runtime.database.read(
                lambda connection: intake.usage_errors(
                    connection, reports=body.get("reports"), now_ms=now_ms(), invalid=invalid
                )
            )
        raise validation_failed([*invalid, *found])

    def apply(session: Session) -> intake.UsageResult:
        return intake.apply_usage(
            session=session,
            reports=body["reports"],
            thresholds=runtime.thresholds,
            now_ms=now_ms(),
        )

    result = await runtime.database.write(apply)
    runtime.metrics.usage(applied=result.applied, ignored=result.ignored)
    runtime.metrics.raised("email_overquota", result.events)
    if result.events:
        runtime.outbox_signal.notify()
    return {
        "resources": [
            {"applied": result.applied, "ignored": result.ignored, "events": result.events}
        ]
    }
