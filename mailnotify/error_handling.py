"""The one seam where foreign exceptions become the API's error, and the one renderer."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping

from connexion.exceptions import ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mailnotify.errors import MESSAGES, ApiError, FieldError
from mailnotify.json_writer import dumps
from mailnotify.outage import database_unavailable

logger = logging.getLogger("mailnotify.errors")

# How long a client should wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 5
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


class AllowIndex:
    """The methods each documented path supports, for a truthful ``Allow`` header."""

    def __init__(self, base_path: str, paths: Mapping[str, Mapping[str, object]]) -> None:
        self._routes: list[tuple[re.Pattern[str], str]] = []
        for template, item in paths.items():
            methods = {m.upper() for m in item if m in _METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base_path + template))
            self._routes.append((re.compile(pattern + "$"), ", ".join(sorted(methods))))

    def allow(self, path: str) -> str | None:
        """The ``Allow`` value for ``path``, or None when no documented path matches."""
        for pattern, methods in self._routes:
            if pattern.match(path):
                return methods
        return None


def translate(exc: Exception, *, path: str, allow: AllowIndex) -> ApiError:
    """Map any exception to the API's error; the only place that knows foreign types."""
    if isinstance(exc, ApiError):
        return exc
    if database_unavailable(exc):
        # The gateway logs the outage once; a traceback per request would flood the log.
        return ApiError(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, UnsupportedMediaTypeProblem):
        return ApiError(415, (FieldError("body", "must be application/json"),))
    status = exc.status_code if isinstance(exc, HTTPException | ProblemException) else 500
    if status == 405:
        methods = allow.allow(path)
        if methods is None:
            return ApiError(404)
        return ApiError(405, headers={"Allow": methods})
    if status in (400, 413):
        return ApiError(422, (FieldError("body", "is not valid"),))
    if status in MESSAGES and status != 500:
        return ApiError(status)
    logger.error("unhandled error", exc_info=exc)
    return ApiError(500)


def render(error: ApiError) -> ConnexionResponse:
    """The contract's error body for ``error``."""
    return ConnexionResponse(
        status_code=error.status,
        mimetype="application/json",
        content_type="application/json",
        body=dumps(error.body()),
        headers=dict(error.headers),
    )


Handler = Callable[[ConnexionRequest, Exception], ConnexionResponse]


def error_handler(allow: AllowIndex) -> Handler:
    """The handler Connexion calls for every exception it catches."""

    def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return render(translate(exc, path=request.url.path, allow=allow))

    return handle


def handled_types() -> Iterable[type[Exception]]:
    """The exception types to register ``error_handler`` for (Connexion matches by MRO)."""
    return (Exception, HTTPException, ProblemException)
