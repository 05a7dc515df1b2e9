"""Endpoint health: failing, disabled after a quiet period, healthy again."""

from __future__ import annotations

from sqlalchemy import Engine

from mailnotify.db import changing, looking_up
from mailnotify.subscriptions import health, record
from mailnotify.subscriptions.record import EndpointHealth, EndpointState
from mailnotify.subscriptions.settings import update_subscription
from tests.mailnotify.subscriptions.helpers import new_user

DAY = 86_400_000
T0 = 1_795_514_400_000


def _health(engine: Engine, user: int) -> EndpointHealth:
    with looking_up(engine) as connection:
        return record.load_one(connection, user).health


def test_a_failure_for_good_within_the_quiet_period_marks_the_endpoint_failing(
    engine: Engine,
) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        health.succeeded(connection, user_id=user, now_ms=T0)
        disabled = health.failed_for_good(
            connection, user_id=user, now_ms=T0 + DAY, disable_after_ms=5 * DAY
        )
    assert not disabled
    assert _health(engine, user) == EndpointHealth(EndpointState.failing, T0 + DAY, None, T0)


def test_no_success_for_the_quiet_period_disables_the_endpoint_once(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        health.succeeded(connection, user_id=user, now_ms=T0)
        health.failed_for_good(connection, user_id=user, now_ms=T0 + DAY, disable_after_ms=5 * DAY)
        assert health.failed_for_good(
            connection, user_id=user, now_ms=T0 + 5 * DAY, disable_after_ms=5 * DAY
        )
        again = health.failed_for_good(
            connection, user_id=user, now_ms=T0 + 6 * DAY, disable_after_ms=5 * DAY
        )
    assert not again
    assert _health(engine, user) == EndpointHealth(
        EndpointState.disabled, T0 + DAY, T0 + 5 * DAY, T0
    )


def test_with_no_quiet_period_the_first_failure_for_good_disables(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        assert health.failed_for_good(connection, user_id=user, now_ms=T0, disable_after_ms=0)
    assert _health(engine, user).state is EndpointState.disabled


def test_healthy_again_clears_failure_and_keeps_the_last_success(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        health.succeeded(connection, user_id=user, now_ms=T0)
        health.failed_for_good(connection, user_id=user, now_ms=T0 + DAY, disable_after_ms=0)
        found = update_subscription(
            connection=connection, user_id=user, changes={}, healthy_again=True
        )
    assert found.health == EndpointHealth(EndpointState.healthy, None, None, T0)
    assert _health(engine, user) == EndpointHealth(EndpointState.healthy, None, None, T0)


def test_a_success_makes_a_failing_endpoint_healthy(engine: Engine) -> None:
    user = new_user(engine)
    with changing(engine) as connection:
        health.failed_for_good(connection, user_id=user, now_ms=T0, disable_after_ms=DAY)
        health.succeeded(connection, user_id=user, now_ms=T0 + 1)
    assert _health(engine, user) == EndpointHealth(EndpointState.healthy, None, None, T0 + 1)
