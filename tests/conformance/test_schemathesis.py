"""Schemathesis against the app in process: every operation, eleven checks, then stateful.

On SQLite and on PostgreSQL: the backends differ in what they store (PostgreSQL refuses
NUL in text, for one), so the fuzz runs on both. The fuzzed customer starts with
both destinations saved and the platform has seeded one domain; ``positive.adapt`` keeps
each positive case valid for whatever state earlier cases left (see its docstring).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from connexion import AsyncApp
from schemathesis import Case, Response
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from starlette.testclient import TestClient

from mailnotify.app import load_spec
from mailnotify.config import Settings, load_settings
from tests.conformance.auth import Tokens, token_auth
from tests.conformance.positive import DESTINATIONS, World, adapt
from tests.conftest import MakeUser

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
]
MIN_CASES = 300
MIN_STATEFUL_CALLS = 100
SEED = 20261124
DOMAIN = "fuzz.example.com"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Generated webhook URLs may be IP literals of any range; the fuzz is not about that."""
    return load_settings(
        {},
        database_url=database_url,
        webhook_allow_cidrs="0.0.0.0/0,::/0",
        access_log=False,
        embedded_worker=False,
    )


@pytest.fixture
def seeded(client: TestClient, make_user: MakeUser) -> tuple[Tokens, World]:
    """A customer with both destinations saved, a manager, the platform, one domain."""
    customer, manager, platform = (make_user(r) for r in ("customer", "manager", "platform"))
    saved = client.put(
        "/api/users/me/notifications", json=dict(DESTINATIONS), headers=customer.headers
    )
    assert saved.status_code == 200, saved.text
    domain = client.put(
        f"/api/platform/domains/{DOMAIN}",
        json={"customer_code": customer.code, "postmaster_code": "PM1", "status": "active"},
        headers=platform.headers,
    )
    assert domain.status_code == 200, domain.text
    return Tokens(customer.token, platform.token), World(customer.code, manager.code, DOMAIN)


@pytest.fixture
def api_schema(app: AsyncApp, seeded: tuple[Tokens, World]) -> BaseSchema:
    """The served spec, loaded from the app, with an explicit config (not schemathesis.toml)."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "generation": {
                "deterministic": True,
                "max-examples": 60,
                "no-shrink": True,
                "database": "none",
            },
        }
    )
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    tokens, _ = seeded
    schema.auth(refresh_interval=None)(token_auth(lambda: tokens))
    return schema


@pytest.fixture
def world(seeded: tuple[Tokens, World]) -> World:
    """The seeded directory."""
    return seeded[1]


@pytest.fixture
def case_count(settings: Settings) -> Iterator[Counter[str]]:
    """Cases run per operation by the whole parametrized test, checked at teardown."""
    count: Counter[str] = Counter()
    yield count
    spec = load_spec(settings)
    operations = {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }
    assert set(count) == operations, "some operations were not fuzzed"
    assert count.total() >= MIN_CASES, f"only {count.total()} cases ran"


@pytest.fixture
def node_id_shim(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32's fixture-based loader reads ``Node._nodeid``, gone in pytest 9.2."""
    node: Any = request.node
    if not hasattr(node, "_nodeid"):
        node._nodeid = node.nodeid


lazy_schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.usefixtures("node_id_shim")
@lazy_schema.parametrize()
def test_every_operation_conforms(case: Case[Any], world: World, case_count: Counter[str]) -> None:
    adapt(case, world)
    case_count[case.operation.label] += 1
    case.call_and_validate(checks=CHECKS)


def test_stateful(api_schema: BaseSchema, world: World) -> None:
    calls: list[str] = []

    class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case[Any]) -> None:
            adapt(case, world)
            calls.append(case.operation.label)

        def validate_response(
            self,
            response: Response,
            case: Case[Any],
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
            )

    Machine.run(
        settings=hypothesis.settings(
            max_examples=40,
            derandomize=True,
            database=None,
            deadline=None,
            stateful_step_count=10,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
    )
    assert len(calls) >= MIN_STATEFUL_CALLS, len(calls)
    # The links chain settings reads and writes, and domain updates.
    assert {"GET /users/me/notifications", "PUT /users/me/notifications"} <= set(calls)
    # And the delivery log: a list, a delivery from it, its redelivery.
    assert {
        "GET /users/me/notifications/deliveries",
        "GET /users/me/notifications/deliveries/{delivery_id}",
        "POST /users/me/notifications/deliveries/{delivery_id}/redeliver",
    } <= set(calls), sorted(set(calls))
