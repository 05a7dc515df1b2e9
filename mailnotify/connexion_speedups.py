"""Connexion 3.3 redoes per request what only depends on the operation; do it once.

Per request, ``AsyncOperation.fn`` builds a new decorator, its wrapper re-decorates the
handler, and that runs ``inspect.signature`` on the handler, and twice more on the
``x-apikeyInfoFunc``. The results only depend on the function and the operation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import connexion.decorators.parameter as parameter_module
import connexion.security as security_module
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import receive, scope
from connexion.decorators import StarletteDecorator
from connexion.utils import inspect_function_arguments

from mailnotify.parsed_body import ParsedBodyRequest


@functools.cache
def _arguments(function: Callable[..., Any]) -> tuple[tuple[str, ...], bool]:
    names, has_kwargs = inspect_function_arguments(function)
    return tuple(names), has_kwargs


def cached_inspect_function_arguments(function: Callable[..., Any]) -> tuple[list[str], bool]:
    names, has_kwargs = _arguments(function)
    return list(names), has_kwargs


class _OnceDecorator(StarletteDecorator):  # type: ignore[misc]
    """Decorates its operation's handler on the first request, not on every one."""

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        decorated: Callable[..., Any] | None = None

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal decorated
            request = ParsedBodyRequest(scope, receive, uri_parser=self.uri_parser)
            if decorated is None:
                decorated = self.decorate(function)
            return await decorated(request)

        return wrapper


class _OnceOperation(AsyncOperation):  # type: ignore[misc]
    @functools.cached_property
    def fn(self) -> Callable[..., Any]:
        return _OnceDecorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(
            self._fn
        )


def _make_operation(self: AsyncApi, operation: Any) -> AsyncOperation:
    return _OnceOperation.from_operation(
        operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
    )


def install() -> None:
    """Patch Connexion (process-wide, idempotent)."""
    parameter_module.inspect_function_arguments = cached_inspect_function_arguments
    security_module.inspect_function_arguments = cached_inspect_function_arguments
    AsyncApi.make_operation = _make_operation
