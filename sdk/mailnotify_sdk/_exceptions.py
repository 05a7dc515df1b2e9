"""Every failure of the SDK raises one of these exceptions.

The hierarchy:

    MailnotifyError
    ├── InvalidArgumentError        a bad argument, found before sending (also a ValueError)
    ├── TransportError              network failure, timeout
    ├── APIError                    status_code, message, errors, request_id
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   ├── ValidationError         422
    │   └── ServerError             5xx
    └── WebhookError                a webhook not validly signed, or not an event

Any other error status (405, 415, 429 after retries, ...) raises ``APIError`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus

from ._generated.models.field_error import FieldError


class MailnotifyError(Exception):
    """Base class of every exception the SDK raises."""


class InvalidArgumentError(MailnotifyError, ValueError):
    """An argument the SDK cannot send: unknown, missing, of the wrong type or value."""


class TransportError(MailnotifyError):
    """The request got no answer: the connection failed or dropped, or it timed out."""


class APIError(MailnotifyError):
    """The server answered with an error status; its parsed error body is attached."""

    def __init__(
        self,
        status_code: int,
        message: str,
        errors: Sequence[FieldError] = (),
        request_id: str | None = None,
    ) -> None:
        # All of them in args, so that the exception pickles and copies intact.
        super().__init__(status_code, message, list(errors), request_id)
        self.status_code = status_code
        self.message = message
        self.errors: list[FieldError] = list(errors)
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"{self.status_code} {self.message}"
        if self.errors:
            text += ": " + "; ".join(f"{e.field} {e.description}" for e in self.errors)
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class AuthenticationError(APIError):
    """401: the token is missing, unknown or revoked."""


class PermissionDeniedError(APIError):
    """403: the user's role or account state does not allow this."""


class NotFoundError(APIError):
    """404: no such route, or the resource is not the caller's."""


class ValidationError(APIError):
    """422: the input is invalid; ``errors`` lists every failing field."""


class ServerError(APIError):
    """5xx: the server failed; idempotent calls were retried before this was raised."""


class WebhookError(MailnotifyError):
    """A webhook request that is not validly signed, or whose body is not an event."""


_BY_STATUS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
}


def api_error(status_code: int, content: bytes, request_id: str | None) -> APIError:
    """The exception for an error response.

    The body is read leniently: a proxy's HTML page still gives an exception with the
    status's reason phrase as its message.
    """
    message, errors = _parse_body(content)
    if message is None:
        message = _phrase(status_code)
    cls = ServerError if status_code >= 500 else _BY_STATUS.get(status_code, APIError)
    return cls(status_code, message, errors, request_id)


def _parse_body(content: bytes) -> tuple[str | None, list[FieldError]]:
    try:
        body = json.loads(content)
    except ValueError:
        return None, []
    if not isinstance(body, dict):
        return None, []
    message = body.get("message")
    raw_errors = body.get("errors")
    errors = [
        FieldError(field=item["field"], description=item["description"])
        for item in (raw_errors if isinstance(raw_errors, list) else [])
        if isinstance(item, dict)
        and isinstance(item.get("field"), str)
        and isinstance(item.get("description"), str)
    ]
    return (message if isinstance(message, str) else None), errors


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return f"HTTP {status_code}"
