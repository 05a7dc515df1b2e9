"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from connexion import AsyncApp
from sqlalchemy import Engine, create_engine, text
from starlette.testclient import TestClient

from mailnotify import accounts, migrate
from mailnotify.app import create_app
from mailnotify.config import Settings, load_settings
from mailnotify.db import make_engine, writing
from mailnotify.models import Role
from tests.pg import postgres_for_tests

# Real receivers on loopback (HTTPS webhooks, SMTP), shared by every test that delivers.
pytest_plugins = ("tests.receivers",)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies, so migrations run once."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A throwaway PostgreSQL server with a migrated template database."""
    with postgres_for_tests() as url:
        admin = create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE mailnotify_template"))
        admin.dispose()
        template = make_engine(f"{url}/mailnotify_template")
        migrate.upgrade(template)
        template.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "mailnotify.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: str = request.getfixturevalue("postgres_admin_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE mailnotify_template"))
    yield f"{server}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings: the fresh database, no access log, no allow-list."""
    return load_settings({}, database_url=database_url, access_log=False, embedded_worker=False)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The test database's engine."""
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> AsyncApp:
    """The app under test."""
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: AsyncApp) -> Iterator[TestClient]:
    """An in-process HTTP client for the app."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass(frozen=True)
class Account:
    """A user made for a test, with the header that authenticates it."""

    code: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The auth header."""
        return {"X-Api-Token": self.token}


MakeUser = Callable[..., Account]


@pytest.fixture
def make_user(engine: Engine) -> MakeUser:
    """Create a user: ``make_user(role="customer", disabled=False, customer=None)``."""

    def make(
        role: str = "customer", *, disabled: bool = False, customer: str | None = None
    ) -> Account:
        with writing(engine) as session:
            created = accounts.create_user(session=session, role=Role(role), customer_code=customer)
            if disabled:
                accounts.set_disabled(session=session, code=created.code, disabled=True)
        return Account(created.code, created.token)

    return make


@pytest.fixture
def customer(make_user: MakeUser) -> Account:
    """A customer."""
    return make_user("customer")
