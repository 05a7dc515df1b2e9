"""Server configuration, read from ``MAILNOTIFY_*`` environment variables."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# A wheel carries the spec inside the package (setup.py copies it at build time); a
# checkout, installed editable or not, has only the top-level file.
CHECKOUT_SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"


class ConfigError(Exception):
    """A ``MAILNOTIFY_*`` variable holds a value the server cannot use."""


class Settings(BaseSettings):
    """Everything the server reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="MAILNOTIFY_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///mailnotify.db"
    smtp_url: str | None = None
    smtp_from: str = "mailnotify@localhost"
    # Comma-separated, so that a shell can set it without JSON quoting.
    webhook_allow_cidrs: str = ""
    webhook_ca_bundle: Path | None = None
    quota_warning: int = Field(default=80, ge=1, le=100)
    quota_critical: int = Field(default=95, ge=1, le=100)
    quota_recovery: int = Field(default=75, ge=0, le=100)
    log_level: str = "INFO"
    access_log: bool = True
    embedded_worker: bool = True
    # How many server processes share the port: ``serve --workers N`` sets it for its
    # children. With several, short database work runs on the event loop (see
    # ``Database``): each process is idle part of the time and a hop to a thread costs
    # it a wake-up, where one busy process batches the hops and the loop path costs more.
    server_processes: int = Field(default=1, ge=1)
    # A claimed delivery is someone else's to retry only after this; it must outlast the
    # 10 s send timeout, or a slow send could be repeated in parallel.
    worker_lease_seconds: int = Field(default=60, ge=11)
    spec_path: Path = Field(default_factory=lambda: default_spec_path())

    # The HTTP edge of `serve` (mailnotify.server, mailnotify.http_limits), per process.
    http_max_header_bytes: int = Field(default=64 * 1024, ge=1024)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    http_body_timeout_seconds: float = Field(default=60.0, gt=0)
    http_keep_alive_seconds: float = Field(default=5.0, gt=0)
    http_max_connections: int = Field(default=1000, ge=1)
    http_backlog: int = Field(default=2048, ge=1)
    # How long SIGTERM waits for in-flight requests before closing them; the lifespan
    # (the embedded worker's drain) follows, within the 15 s a stop may take.
    shutdown_timeout_seconds: float = Field(default=10.0, gt=0, le=14)
    # The request path and the database (issue 7): how long a request waits for the
    # database (connecting, a pooled connection, a statement, a lock) before it is
    # answered 503; and the cost bounds of request validation.
    database_timeout: float = Field(default=5.0, gt=0, le=300)
    # The delivery worker (CONTRACT §7): the delays between attempts (durations such as
    # 5s, 5m, 2h, 1d), and how long events, deliveries and attempts are kept.
    retry_schedule: str = "5s,5m,30m,2h,5h,10h,10h"
    retention: str = "30d"
    # A webhook endpoint with no success for this long is disabled when a delivery to it
    # fails for good.
    disable_after: str = "5d"

    @field_validator("retry_schedule")
    @classmethod
    def _schedule_parses(cls, value: str) -> str:
        delays = [parse_duration(part) for part in _split(value)]
        if not delays:
            raise ValueError("at least one delay is needed")
        return value

    @field_validator("disable_after")
    @classmethod
    def _disable_after_parses(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("retention")
    @classmethod
    def _retention_parses(cls, value: str) -> str:
        if parse_duration(value) <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value

    @field_validator("webhook_allow_cidrs")
    @classmethod
    def _cidrs_parse(cls, value: str) -> str:
        for part in _split(value):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"{part!r} is not a CIDR range") from exc
        return value

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Self:
        if not self.quota_recovery < self.quota_warning < self.quota_critical:
            raise ValueError(
                "thresholds must satisfy MAILNOTIFY_QUOTA_RECOVERY < "
                "MAILNOTIFY_QUOTA_WARNING < MAILNOTIFY_QUOTA_CRITICAL"
            )
        return self

    @property
    def allow_networks(self) -> tuple[Network, ...]:
        """The operator's allow-list of webhook address ranges."""
        return tuple(
            ipaddress.ip_network(p, strict=False) for p in _split(self.webhook_allow_cidrs)
        )

    @property
    def retry_delays(self) -> tuple[timedelta, ...]:
        """The delays before each retry, in order."""
        return tuple(parse_duration(part) for part in _split(self.retry_schedule))

    @property
    def disable_after_ms(self) -> int:
        """How long an endpoint may go without a success before it is disabled, in ms."""
        return int(parse_duration(self.disable_after).total_seconds() * 1000)

    @property
    def retention_ms(self) -> int:
        """How long delivery records are kept, in milliseconds."""
        return int(parse_duration(self.retention).total_seconds() * 1000)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite."""
        return self.database_url.startswith("sqlite")


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``5m``, ``2h`` or ``30d`` as a timedelta; ValueError for anything else."""
    text = text.strip()
    number, unit = text[:-1], text[-1:]
    if unit not in _UNITS or not (number.isascii() and number.isdigit()) or len(number) > 7:
        raise ValueError(f"{text!r} is not a duration such as 90s, 5m, 2h or 30d")
    return timedelta(seconds=int(number) * _UNITS[unit])


def variable(name: str) -> str:
    """The environment variable that sets the field ``name``."""
    return f"MAILNOTIFY_{name.upper()}"


def default_spec_path() -> Path:
    """The packaged ``openapi.yaml``, else the checkout's."""
    packaged = files("mailnotify") / "openapi.yaml"
    return Path(str(packaged)) if packaged.is_file() else CHECKOUT_SPEC_PATH


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from ``environ`` (default: the process environment) plus overrides."""
    try:
        if environ is None:
            return Settings(**overrides)  # type: ignore[arg-type]
        values: dict[str, object] = {
            key[len("MAILNOTIFY_") :].lower(): value
            for key, value in environ.items()
            if key.startswith("MAILNOTIFY_")
        }
        values.update(overrides)
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"])
            problems.append(f"{variable(name) if name else 'configuration'}: {error['msg']}")
        raise ConfigError("; ".join(problems)) from None
