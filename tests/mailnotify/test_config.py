"""Configuration from MAILNOTIFY_* variables, with errors that name the variable."""

from __future__ import annotations

import ipaddress

import pytest

from mailnotify.config import ConfigError, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///mailnotify.db"
    assert (settings.quota_warning, settings.quota_critical, settings.quota_recovery) == (
        80,
        95,
        75,
    )
    assert settings.allow_networks == ()


def test_reads_prefixed_variables() -> None:
    settings = load_settings(
        {
            "MAILNOTIFY_WEBHOOK_ALLOW_CIDRS": "10.0.0.0/8, ::1/128",
            "MAILNOTIFY_QUOTA_WARNING": "85",
            "OTHER": "x",
        }
    )
    assert settings.allow_networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert settings.quota_warning == 85


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MAILNOTIFY_QUOTA_WARNING": "lots"}, "MAILNOTIFY_QUOTA_WARNING"),
        (
            {"MAILNOTIFY_WEBHOOK_ALLOW_CIDRS": "10.0.0.0/8,nonsense"},
            "MAILNOTIFY_WEBHOOK_ALLOW_CIDRS",
        ),
        ({"MAILNOTIFY_WORKER_LEASE_SECONDS": "5"}, "MAILNOTIFY_WORKER_LEASE_SECONDS"),
    ],
)
def test_a_bad_value_names_its_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(environ)


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match="MAILNOTIFY_QUOTA_RECOVERY < MAILNOTIFY_QUOTA_WARNING"):
        load_settings({"MAILNOTIFY_QUOTA_RECOVERY": "90"})


def test_the_retry_schedule_and_retention_are_durations() -> None:
    from datetime import timedelta

    settings = load_settings({})
    assert settings.retry_delays == (
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    )
    assert settings.retention_ms == 30 * 86_400_000
    custom = load_settings({"MAILNOTIFY_RETRY_SCHEDULE": "1s, 2m", "MAILNOTIFY_RETENTION": "2h"})
    assert custom.retry_delays == (timedelta(seconds=1), timedelta(minutes=2))
    assert custom.retention_ms == 7_200_000


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MAILNOTIFY_RETRY_SCHEDULE": "5s,soon"}, "MAILNOTIFY_RETRY_SCHEDULE"),
        ({"MAILNOTIFY_RETRY_SCHEDULE": ""}, "MAILNOTIFY_RETRY_SCHEDULE"),
        ({"MAILNOTIFY_RETRY_SCHEDULE": "-5s"}, "MAILNOTIFY_RETRY_SCHEDULE"),
        ({"MAILNOTIFY_RETENTION": "0d"}, "MAILNOTIFY_RETENTION"),
        ({"MAILNOTIFY_RETENTION": "30 days"}, "MAILNOTIFY_RETENTION"),
    ],
)
def test_a_bad_duration_names_its_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(environ)


def test_disable_after_is_a_duration() -> None:
    assert load_settings({}).disable_after_ms == 5 * 86_400_000
    assert load_settings({"MAILNOTIFY_DISABLE_AFTER": "0s"}).disable_after_ms == 0
    with pytest.raises(ConfigError, match="MAILNOTIFY_DISABLE_AFTER"):
        load_settings({"MAILNOTIFY_DISABLE_AFTER": "never"})
