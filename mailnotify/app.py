"""The app factory: everything the server needs is built here, nothing at import."""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import inspect
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import yaml
from connexion import AsyncApp
from connexion.middleware import MiddlewarePosition
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from sqlalchemy import Engine

from mailnotify import connexion_speedups, memory
from mailnotify.auth import roles_by_operation, security_map
from mailnotify.config import Settings, load_settings
from mailnotify.error_handling import AllowIndex, error_handler, handled_types
from mailnotify.json_writer import OrjsonJsonifier
from mailnotify.metrics import outbox_collector
from mailnotify.metrics_middleware import MetricsEndpoint, RequestMetricsMiddleware
from mailnotify.middleware import (
    AccessLogMiddleware,
    HealthMiddleware,
    RequestIdMiddleware,
    TrailingSlashMiddleware,
)
from mailnotify.pending_errors import INVALID, PendingErrorsMiddleware
from mailnotify.runtime import Runtime, build_runtime
from mailnotify.spec_documents import SpecDocumentsMiddleware, spec_documents
from mailnotify.validation import validator_map

_HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def load_spec(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document the server is built from."""
    with settings.spec_path.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def base_path(spec: Mapping[str, Any]) -> str:
    """The path of the spec's first server URL, its variables at their defaults (``/api``)."""
    server = spec["servers"][0]
    variables = server.get("variables", {})
    url = re.sub(r"\{([^}]+)\}", lambda m: str(variables[m[1]]["default"]), server["url"])
    return urlsplit(url).path.rstrip("/")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def handler_names(spec: Mapping[str, Any]) -> dict[str, str]:
    """operationId -> ``mailnotify.handlers.<tag>.<snake_case operationId>``: one module per tag.

    The checkout keeps the modules in ``handlers/``; the distribution maps that folder to
    ``mailnotify.handlers`` (setup.py), in a wheel and in an editable install alike.
    """
    names: dict[str, str] = {}
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in _HTTP_METHODS:
                tag = operation["tags"][0]
                names[operation["operationId"]] = (
                    f"mailnotify.handlers.{tag}.{_snake(operation['operationId'])}"
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
        from mailnotify.outbox.build import build_worker

        worker = build_worker(
            runtime.settings,
            runtime.engine,
            policy=runtime.address_policy,
            metrics=runtime.metrics,
        )
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
    api_path = base_path(spec)
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
        jsonifier=OrjsonJsonifier(),
        # Connexion's copy of the spec inlines every $ref; SpecDocumentsMiddleware serves
        # the file as written at the URL Swagger UI loads (``{api_path}/openapi.json``).
        swagger_ui_options=SwaggerUIOptions(
            serve_spec=False,
            swagger_ui_path="/ui",
            swagger_ui_config={"displayOperationId": True, "defaultModelsExpandDepth": 2},
        ),
    )
    app.add_api(spec, base_path=api_path)
    handle = error_handler(AllowIndex(api_path, spec["paths"]))
    for exc_type in handled_types():
        app.add_error_handler(exc_type, handle)
    # Added first, so that they are outermost: every answer is counted, probes included.
    app.add_middleware(
        RequestMetricsMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        metrics=runtime.metrics,
        docs_prefix=f"{api_path}/ui",
    )
    app.add_middleware(
        MetricsEndpoint,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        metrics=runtime.metrics,
        outbox=outbox_collector(runtime.engine),
    )
    app.add_middleware(
        HealthMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        database=runtime.database,
    )
    app.add_middleware(RequestIdMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    if settings.access_log:
        app.add_middleware(AccessLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(
        PendingErrorsMiddleware,
        position=MiddlewarePosition.BEFORE_CONTEXT,
        checked_by_handler=checked_by_handler,
    )
    # After the exception middleware, so that its 404 gets the contract's error body.
    app.add_middleware(
        TrailingSlashMiddleware,
        position=MiddlewarePosition.BEFORE_SWAGGER,
        keep=(f"{api_path}/ui",),
    )
    app.add_middleware(
        SpecDocumentsMiddleware,
        position=MiddlewarePosition.BEFORE_SWAGGER,
        documents=spec_documents(settings.spec_path, api_path),
    )
    return app


def app_from_environment() -> AsyncApp:
    """The app of one ``mailnotify serve`` process, from ``MAILNOTIFY_*`` variables.

    uvicorn calls it in each server process (``factory=True``; see mailnotify.server).
    """
    app = create_app(load_settings())
    memory.return_large_blocks()
    # The app's many objects (spec, validators, models) live as long as the
    # process. Left to the collector, every full pass walks them all: a stall that shows
    # at p99. Frozen, a full pass walks only what requests left behind.
    gc.collect()
    gc.freeze()
    return app
