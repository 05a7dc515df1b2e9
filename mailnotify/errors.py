"""The API's one error type: a status, the contract's message, and the failing fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MESSAGES: Mapping[int, str] = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failing value: its dotted JSON path and a short lower-case phrase."""

    field: str
    description: str


@dataclass(slots=True)
class ApiError(Exception):
    """An error answered with the contract's error body."""

    status: int
    errors: tuple[FieldError, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The contract's message for this status."""
        return MESSAGES.get(self.status, MESSAGES[500])

    def body(self) -> dict[str, object]:
        """The contract's error body."""
        return {
            "message": self.message,
            "errors": [{"field": e.field, "description": e.description} for e in self.errors],
        }


# A 422 lists at most this many failing fields, then one entry that says how many more:
# an answer's size must not grow with what a request got wrong.
MAX_LISTED = 100


def validation_failed(errors: Iterable[FieldError]) -> ApiError:
    """A 422 listing every failing field (past ``MAX_LISTED``, how many more)."""
    listed = tuple(errors)
    # One entry of slack: request validation ends its own list with a count of its own.
    if len(listed) > MAX_LISTED + 1:
        more = len(listed) - MAX_LISTED
        listed = (
            *listed[:MAX_LISTED],
            FieldError("body", f"has {more} more failing fields, not listed"),
        )
    return ApiError(422, listed)


def unauthorized() -> ApiError:
    """A 401."""
    return ApiError(401)


def forbidden() -> ApiError:
    """A 403."""
    return ApiError(403)


def not_found() -> ApiError:
    """A 404."""
    return ApiError(404)
