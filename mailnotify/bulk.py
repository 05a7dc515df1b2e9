"""Many rows in one statement: the driver's executemany on SQLite, COPY on PostgreSQL.

SQLAlchemy's per-row parameter processing costs more than SQLite's own work on the
intake's statements; the values here are plain ints, strings and None (timestamps are
bound through their column type first, with ``bind``). On PostgreSQL a statement per row
costs a round trip and a parse each, even pipelined: COPY streams the rows instead, and
changes go through a temporary table and one ``UPDATE ... FROM``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlmodel import SQLModel

from mailnotify.models import table_of


def marker(connection: Connection) -> str:
    """The driver's parameter marker."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _copy(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def insert_many(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT ``rows`` (tuples in the order of ``columns``) into ``table``."""
    if _postgresql(connection):
        _copy(connection, table, columns, rows)
        return
    marks = ", ".join([marker(connection)] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (names are ours)
    connection.exec_driver_sql(sql, rows)


def update_many(
    connection: Connection,
    table: str,
    key: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """UPDATE ``columns`` of the rows of ``table`` whose ``key`` matches; ``rows`` are
    tuples of the new values in the order of ``columns``, then the key."""
    if not _postgresql(connection):
        mark = marker(connection)
        assignments = ", ".join(f"{column} = {mark}" for column in columns)
        connection.exec_driver_sql(
            f"UPDATE {table} SET {assignments} WHERE {key} = {mark}",  # noqa: S608 (names are ours)
            rows,
        )
        return
    # One temporary table per shape of change, made by a connection's first change and
    # emptied by every commit; its name says which columns it holds.
    shape = ",".join((key, *columns))
    changes = f"bulk_{table}_{zlib.crc32(shape.encode()):08x}"
    # (Not remembered per connection: a rolled-back transaction takes the table along.)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {changes} ON COMMIT DELETE ROWS AS"  # noqa: S608 (names are ours)
        f" SELECT {', '.join(columns)}, {key} FROM {table} WITH NO DATA"
    )
    _copy(connection, changes, (*columns, key), rows)
    assignments = ", ".join(f"{column} = c.{column}" for column in columns)
    # One round trip (no parameters: several statements may share it). Without
    # statistics the planner takes the changes for a handful of rows and hashes the
    # whole target table to join them; with them it walks the key's index. The table is
    # emptied now too, for a caller that updates twice before committing (TRUNCATE
    # would give it new files every time).
    connection.exec_driver_sql(
        f"ANALYZE {changes};"  # noqa: S608 (names are ours)
        f" UPDATE {table} AS t SET {assignments} FROM {changes} AS c WHERE t.{key} = c.{key};"
        f" DELETE FROM {changes}"
    )


def bind(connection: Connection, model: type[SQLModel], column: str) -> Callable[[Any], Any]:
    """The driver value of ``model.column`` for a Python value, as SQLAlchemy would bind it."""
    column_type = table_of(model).c[column].type
    process = column_type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return process if process is not None else (lambda value: value)
