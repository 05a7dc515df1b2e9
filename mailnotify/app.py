"""The app factory: everything the server needs is built here, nothing at import."""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import yaml
from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from sqlalchemy import Engine

from mailnotify import connexion_speedups
from mailnotify.auth import roles_by_operation, security_map
from mailnotify.config import Settings
from mailnotify.error_handling import AllowIndex, error_handler, handled_types
from mailnotify.middleware import (
    AccessLogMiddleware,
    HealthMiddleware,
    RequestIdMiddleware,
    TrailingSlashMiddleware,
)
from mailnotify.pending_errors import INVALID, PendingErrorsMiddleware
from mailnotify.runtime import Runtime, build_runtime
from mailnotify.validation import validator_map

_HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def load_spec(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document the server is built from."""
    with settings.spec_path.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def handler_names(spec: Mapping[str, Any]) -> dict[str, str]:
    """operationId -> ``handlers.<tag>.<snake_case operationId>``: one module per tag."""
    names: dict[str, str] = {}
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in _HTTP_METHODS:
                tag = operation["tags"][0]
                names[operation["operationId"]] = (
                    f"handlers.{tag}.{_snake(operation['operationId'])}"
                )
    return names


def _function_resolver(
    names: Mapping[str, str], runtime: Runtime, checked_by_handler: set[str]
) -> Callable[[str], Callable[..., Any]]:
    def resolve(operation_id: str) -> Callable[..., Any]:
        module_name, _, function_name = names[operation_id].rpartition(".")
        function: Callable[..., Any] = getattr(importlib.import_module(module_name), function_name)
        if INVALID in inspect.signature(function).parameters:
            checked_by_handler.add(operation_id)
        # Handlers take the runtime first; Connexion sees only the request's parameters.
        return functools.partial(function, runtime)

    return resolve


def _lifespan(runtime: Runtime) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if not runtime.settings.embedded_worker:
            yield
            return
        from mailnotify.worker import build_worker

        worker = build_worker(runtime.settings, runtime.engine)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop, runtime.outbox_signal))
        try:
            yield
        finally:
            stop.set()
            runtime.outbox_signal.notify()
            await task

    return lifespan


def create_app(settings: Settings, *, engine: Engine | None = None) -> AsyncApp:
    """The ASGI app for ``settings``; pass ``engine`` to share one (tests, the worker)."""
    spec = load_spec(settings)
    base_path = spec["servers"][0]["url"]
    runtime = build_runtime(settings, engine=engine)
    # Operations whose handlers see the failures found before them and add their own.
    checked_by_handler: set[str] = set()
    # Responses are ours and checked by the tests; validating them on every request
    # would only cost time.
    middlewares = [
        m for m in ConnexionMiddleware.default_middlewares if m is not ResponseValidationMiddleware
    ]
    # Connexion 3.3 redoes per-operation work on every request; see the module.
    connexion_speedups.install()
    app = AsyncApp(
        __name__,
        lifespan=_lifespan(runtime),
        middlewares=middlewares,
        resolver=Resolver(_function_resolver(handler_names(spec), runtime, checked_by_handler)),
        security_map=security_map(runtime, roles_by_operation(spec)),
        validator_map=validator_map(runtime.address_policy),
        swagger_ui_options=SwaggerUIOptions(
            swagger_ui_path="/ui",
            swagger_ui_config={"displayOperationId": True, "defaultModelsExpandDepth": 2},
        ),
    )
    app.add_api(spec, base_path=base_path)
    handle = error_handler(AllowIndex(base_path, spec["paths"]))
    for exc_type in handled_types():
        app.add_error_handler(exc_type, handle)
    # Middleware added at one position wraps, outermost first, in the order added.
    app.add_middleware(
        HealthMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        database=runtime.database,
    )
    app.add_middleware(RequestIdMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    if settings.access_log:
        app.add_middleware(AccessLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    # Metrics middleware goes here, inside the request id and beside the access log.
    app.add_middleware(
        PendingErrorsMiddleware,
        position=MiddlewarePosition.BEFORE_CONTEXT,
        checked_by_handler=checked_by_handler,
    )
    # After the exception middleware, so that its 404 gets the contract's error body.
    app.add_middleware(
        TrailingSlashMiddleware,
        position=MiddlewarePosition.BEFORE_SWAGGER,
        keep=(f"{base_path}/ui",),
    )
    return app
