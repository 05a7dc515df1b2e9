"""Many rows in one statement, through the driver's executemany.

SQLAlchemy's per-row parameter processing costs more than SQLite's own work on the
intake's statements; the values here are plain ints, strings and None (timestamps are
bound through their column type first, with ``bind``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from mailnotify.models import table_of


def marker(connection: Connection) -> str:
    """The driver's parameter marker."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def insert_many(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT ``rows`` (tuples in the order of ``columns``) into ``table``."""
    marks = ", ".join([marker(connection)] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (names are ours)
    connection.exec_driver_sql(sql, rows)


def bind(connection: Connection, model: type[SQLModel], column: str) -> Callable[[Any], Any]:
    """The driver value of ``model.column`` for a Python value, as SQLAlchemy would bind it."""
    column_type = table_of(model).c[column].type
    process = column_type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return process if process is not None else (lambda value: value)
