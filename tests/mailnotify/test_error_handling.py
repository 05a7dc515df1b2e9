"""The one seam where foreign exceptions become the API's error."""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, exc, text

from mailnotify.error_handling import AllowIndex, translate
from mailnotify.outage import DatabaseUnavailable

_ALLOW = AllowIndex("/api", {})


def _sqlite_error(sql: str) -> exc.DBAPIError:
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    except exc.DBAPIError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("no error")


def test_database_unavailable_is_503_with_retry_after() -> None:
    for error in (
        DatabaseUnavailable("no answer within 5 s"),
        exc.TimeoutError("QueuePool limit reached"),
        exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open")),
    ):
        if isinstance(error, exc.OperationalError):
            error.orig.sqlite_errorname = "SQLITE_CANTOPEN"  # type: ignore[union-attr]
        translated = translate(error, path="/api/x", allow=_ALLOW)
        assert translated.status == 503, error
        assert translated.body() == {"message": "Service unavailable", "errors": []}
        assert int(translated.headers["Retry-After"]) > 0


def test_a_wrong_query_is_still_a_500() -> None:
    error = _sqlite_error("SELECT * FROM no_such_table")
    assert isinstance(error, exc.OperationalError)
    assert translate(error, path="/api/x", allow=_ALLOW).status == 500
