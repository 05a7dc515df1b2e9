"""The limit: a bare Starlette app doing our server's work with nothing around it.

Same statements through the same ``mailnotify.accounts`` and
``mailnotify.subscriptions.settings`` functions, the same compiled
jsonschema validation of the PUT body, the same JSON shapes; one session per request,
endpoints on the event loop like ours.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.work import PATH, update_schema
from mailnotify import accounts
from mailnotify.accounts import Principal
from mailnotify.addresses import AddressPolicy
from mailnotify.db import make_engine, reading, writing
from mailnotify.errors import ApiError, FieldError, validation_failed
from mailnotify.models import SETTINGS_ROLES
from mailnotify.subscriptions.settings import get_settings, update_settings
from mailnotify.validation import compile_schema, format_checker


def _error(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


def _caller(session: Session, request: Request) -> Principal:
    principal = accounts.find_principal(
        session=session, token=request.headers.get("x-api-token", "")
    )
    if principal is None:
        raise ApiError(401)
    if principal.disabled or principal.role not in SETTINGS_ROLES:
        raise ApiError(403)
    return principal


def create_app(database_url: str, *, engine: Engine | None = None) -> Starlette:
    """The bare Starlette app on ``database_url``."""
    engine = engine if engine is not None else make_engine(database_url)
    validator = compile_schema(update_schema(), format_checker(AddressPolicy.from_networks(())))

    async def read(request: Request) -> JSONResponse:
        try:
            with reading(engine) as session:
                principal = _caller(session, request)
                values = get_settings(session=session, user_id=principal.user_id)
        except ApiError as error:
            return _error(error)
        return JSONResponse({"resources": [values.as_dict()]})

    async def update(request: Request) -> JSONResponse:
        try:
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise validation_failed([FieldError("body", "must be valid JSON")]) from None
            if not isinstance(body, dict):
                raise validation_failed([FieldError("body", "must be a JSON object")])
            errors = validator.errors(body)
            if errors:
                raise validation_failed(errors)
            with writing(engine) as session:
                principal = _caller(session, request)
                values = update_settings(session=session, user_id=principal.user_id, changes=body)
        except ApiError as error:
            return _error(error)
        return JSONResponse({"resources": [values.as_dict()]})

    return Starlette(
        routes=[Route(PATH, read, methods=["GET"]), Route(PATH, update, methods=["PUT"])]
    )
