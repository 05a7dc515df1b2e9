from typing import Literal

ErrorMessage = Literal[
    "Forbidden",
    "Internal server error",
    "Method not allowed",
    "Not found",
    "Too many requests",
    "Unauthorized",
    "Unsupported media type",
    "Validation failed",
]

ERROR_MESSAGE_VALUES: set[ErrorMessage] = {
    "Forbidden",
    "Internal server error",
    "Method not allowed",
    "Not found",
    "Too many requests",
    "Unauthorized",
    "Unsupported media type",
    "Validation failed",
}


def check_error_message(value: str) -> ErrorMessage:
    if value in ERROR_MESSAGE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ERROR_MESSAGE_VALUES!r}")
