"""Handlers of the ``platform`` tag: the directory and usage intake."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from mailnotify import intake, services
from mailnotify.auth import authorize
from mailnotify.clock import now_ms
from mailnotify.db import writing
from mailnotify.events import rfc3339
from mailnotify.models import Domain, DomainStatus, Role, User

PLATFORM = frozenset({Role.platform})


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
    domain_name: str, body: Mapping[str, Any], token_info: Mapping[str, object]
) -> dict[str, object]:
    """PUT /platform/domains/{domain_name}."""
    authorize(token_info, PLATFORM)
    current = services.current()

    def upsert() -> tuple[dict[str, object], bool]:
        with writing(current.engine) as session:
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

    view, activated = await current.write(upsert)
    if activated:
        current.metrics.raised("domain_create")
        current.outbox_signal.notify()
    return {"resources": [view]}


async def report_usage(
    body: Mapping[str, Any], token_info: Mapping[str, object]
) -> dict[str, object]:
    """POST /platform/usage."""
    authorize(token_info, PLATFORM)
    current = services.current()

    def apply() -> intake.UsageResult:
        with writing(current.engine) as session:
            return intake.apply_usage(
                session=session,
                reports=body["reports"],
                thresholds=current.thresholds,
                now_ms=now_ms(),
            )

    result = await current.write(apply)
    current.metrics.usage(applied=result.applied, ignored=result.ignored)
    current.metrics.raised("email_overquota", result.events)
    if result.events:
        current.outbox_signal.notify()
    return {
        "resources": [
            {"applied": result.applied, "ignored": result.ignored, "events": result.events}
        ]
    }
