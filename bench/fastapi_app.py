"""The peer: the same endpoints written the way full-stack-fastapi-template's backend is.

A SQLModel ``Session`` dependency shared by the auth dependency and the endpoint, ``def``
endpoints (FastAPI runs them in its thread pool), pydantic models for the body and the
response, an explicit ``session.commit()``. The statements are ours
(``mailnotify.accounts`` and ``mailnotify.subscriptions.settings``, in the template's crud
style), so the comparison is framework against framework. The template's
``session.refresh()`` after the commit is left out on purpose: it would add a SELECT that
our server does not run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from sqlalchemy import Engine
from sqlmodel import Session

from bench.work import PATH
from mailnotify import accounts
from mailnotify.accounts import Principal
from mailnotify.addresses import AddressPolicy
from mailnotify.db import make_engine
from mailnotify.destinations import EMAIL_MAX, URL_MAX, check_email, check_webhook_url
from mailnotify.errors import MESSAGES, ApiError
from mailnotify.models import SETTINGS_ROLES
from mailnotify.subscriptions import settings as stored

# mailnotify.db's BEGIN hook: a writer takes SQLite's write lock before its first read.
_WRITE = {"mailnotify_begin": "IMMEDIATE"}


class SettingsPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    notification_url: str | None
    email_overquota_callback: bool
    domain_create_callback: bool
    notification_email: str | None
    email_overquota_email: bool


class SettingsResponse(BaseModel):
    resources: list[SettingsPublic]


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notification_url: str | None = Field(default=None, max_length=URL_MAX)
    email_overquota_callback: StrictBool | None = None
    domain_create_callback: StrictBool | None = None
    notification_email: str | None = Field(default=None, max_length=EMAIL_MAX)
    email_overquota_email: StrictBool | None = None

    @field_validator("notification_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None:
            check_webhook_url(value, _policy())
        return value

    @field_validator("notification_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None:
            check_email(value)
        return value


@cache
def _policy() -> AddressPolicy:
    return AddressPolicy.from_networks(())


def _error_body(status: int, errors: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"message": MESSAGES[status], "errors": errors}, status_code=status)


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, shared by the auth dependency and the endpoint."""
    engine: Engine = request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        if request.method != "GET":
            session.connection(execution_options=_WRITE)
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
TokenDep = Annotated[str | None, Depends(APIKeyHeader(name="X-Api-Token", auto_error=False))]


def get_current_user(session: SessionDep, token: TokenDep) -> Principal:
    """The caller behind the token, if it may use the settings."""
    principal = accounts.find_principal(session=session, token=token or "")
    if principal is None:
        raise HTTPException(status_code=401)
    if principal.disabled or principal.role not in SETTINGS_ROLES:
        raise HTTPException(status_code=403)
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]
router = APIRouter()


@router.get(PATH)
def read_settings(session: SessionDep, current_user: CurrentUser) -> SettingsResponse:
    """GET the caller's settings."""
    values = stored.get_settings(session=session, user_id=current_user.user_id)
    return SettingsResponse(resources=[SettingsPublic.model_validate(values)])


@router.put(PATH)
def update_settings(
    *, session: SessionDep, current_user: CurrentUser, settings_in: SettingsUpdate
) -> SettingsResponse:
    """PUT a partial update of the caller's settings."""
    changes = settings_in.model_dump(exclude_unset=True)
    values = stored.update_settings(session=session, user_id=current_user.user_id, changes=changes)
    session.commit()
    return SettingsResponse(resources=[SettingsPublic.model_validate(values)])


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return _error_body(status, [])


def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    error = exc if isinstance(exc, ApiError) else ApiError(500)
    return JSONResponse(error.body(), status_code=error.status)


def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    found = exc.errors() if isinstance(exc, RequestValidationError) else []
    errors = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "description": "is not valid"}
        for e in jsonable_encoder(found)
    ]
    return _error_body(422, errors)


def create_app(database_url: str, *, engine: Engine | None = None) -> FastAPI:
    """The FastAPI app on ``database_url``."""
    app = FastAPI()
    app.state.engine = engine if engine is not None else make_engine(database_url)
    app.include_router(router)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    return app
