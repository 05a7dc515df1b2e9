"""Domains for the intake's tests: pending, assigned to a customer."""

from __future__ import annotations

from sqlalchemy import Engine

from mailnotify.db import writing
from mailnotify.intake import upsert_domain
from mailnotify.models import DomainStatus


def pending_domains(engine: Engine, customer_code: str, *names: str) -> None:
    """``names`` as pending domains of the customer ``customer_code``."""
    with writing(engine) as session:
        for name in names:
            upsert_domain(
                session=session,
                name=name,
                customer_code=customer_code,
                manager_code=None,
                postmaster_code="PM1",
                postmaster_token=None,
                status=DomainStatus.pending,
                now_ms=0,
            )
