"""Schema migrations (Alembic), run from code so that no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine, connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``."""
    with engine.begin() as connection:
        command.upgrade(_config(engine, connection), revision)


def check(engine: Engine) -> None:
    """Raise if the models and the migrations disagree (``alembic check``)."""
    with engine.connect() as connection:
        command.check(_config(engine, connection))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the models (a developer's tool)."""
    with engine.connect() as connection:
        command.revision(_config(engine, connection), message=message, autogenerate=True)
