"""mailnotify_sdk._exceptions: one hierarchy, as drawn, and lenient error bodies."""

from __future__ import annotations

import json
import pickle
import re

import mailnotify_sdk
import pytest
from mailnotify_sdk import (
    APIError,
    AuthenticationError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    ValidationError,
)
from mailnotify_sdk import _exceptions as exceptions
from mailnotify_sdk._exceptions import api_error


def drawn_tree() -> dict[str, str]:
    """Class -> parent, as the module docstring draws them."""
    assert exceptions.__doc__ is not None
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in exceptions.__doc__.splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z]\w+Error)\b", line)
        if not match:
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[match.group(2)] = stack[-1][1]
        stack.append((depth, match.group(2)))
    return parents


def test_the_docstring_draws_every_exception_with_its_real_parent() -> None:
    classes = {
        name: cls
        for name, cls in vars(exceptions).items()
        if isinstance(cls, type) and issubclass(cls, exceptions.MailnotifyError)
    }
    tree = drawn_tree()
    assert set(tree) | {"MailnotifyError"} == set(classes)
    # Built-in bases a class adds for callers' convenience (`except ValueError`), drawn
    # in the docstring's words ("also a ValueError").
    mixins = {"InvalidArgumentError": (ValueError,)}
    for name, parent in tree.items():
        assert classes[name].__bases__ == (classes[parent], *mixins.get(name, ())), name
    for name, extra in mixins.items():
        assert f"also a {extra[0].__name__}" in (exceptions.__doc__ or ""), name
    assert all(getattr(mailnotify_sdk, name) is cls for name, cls in classes.items())


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, ValidationError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (599, ServerError),
        (400, APIError),
        (405, APIError),
        (409, APIError),
        (415, APIError),
        (429, APIError),
    ],
)
def test_each_status_gets_its_class(status: int, cls: type[APIError]) -> None:
    assert type(api_error(status, b"", None)) is cls


def test_the_contracts_error_body_is_parsed() -> None:
    body = {
        "message": "Validation failed",
        "errors": [{"field": "notification_url", "description": "is not valid"}],
    }
    error = api_error(422, json.dumps(body).encode(), "req-1")
    assert (error.status_code, error.message, error.request_id) == (
        422,
        "Validation failed",
        "req-1",
    )
    assert error.errors == [FieldError(field="notification_url", description="is not valid")]
    assert str(error) == "422 Validation failed: notification_url is not valid (request id req-1)"


@pytest.mark.parametrize(
    ("status", "content", "message"),
    [
        (502, b"<html>Bad gateway</html>", "Bad Gateway"),
        (503, b"", "Service Unavailable"),
        (599, b"null", "HTTP 599"),
        (500, b'{"message": 5, "errors": "many"}', "Internal Server Error"),
        (404, b'{"message": "No such route"}', "No such route"),
    ],
)
def test_other_bodies_are_read_leniently(status: int, content: bytes, message: str) -> None:
    error = api_error(status, content, None)
    assert (error.message, error.errors, error.request_id) == (message, [], None)
    assert str(error) == f"{status} {message}"


def test_malformed_field_errors_are_skipped() -> None:
    body = {
        "message": "Validation failed",
        "errors": [{"field": "a", "description": "is bad"}, {"field": 1}, "b", None],
    }
    error = api_error(422, json.dumps(body).encode(), None)
    assert error.errors == [FieldError(field="a", description="is bad")]


def test_an_api_error_survives_pickling() -> None:
    error = api_error(
        422, b'{"message":"Validation failed","errors":[{"field":"a","description":"b"}]}', "r"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ValidationError
    assert (copy.status_code, copy.message, copy.errors, copy.request_id) == (
        422,
        "Validation failed",
        [FieldError(field="a", description="b")],
        "r",
    )
