from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.notification_settings_response import NotificationSettingsResponse
from ...models.notification_settings_update import NotificationSettingsUpdate
from ...types import Response


def _get_kwargs(
    *,
    body: NotificationSettingsUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/users/me/notifications",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | NotificationSettingsResponse | None:
    if response.status_code == 200:
        response_200 = NotificationSettingsResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = ErrorBody.from_dict(response.json())

        return response_405

    if response.status_code == 415:
        response_415 = ErrorBody.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = ErrorBody.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | NotificationSettingsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationSettingsUpdate,
) -> Response[ErrorBody | NotificationSettingsResponse]:
    """Update notification settings

     Configure account-level webhook and email notifications for the authenticated
    customer or manager. This applies to all mailboxes managed by that user. It does
    not disable the quota warning emails sent directly to mailbox users.

    Behavior:
    - Omitted fields keep their current value; `{}` is valid and changes nothing.
    - Boolean action fields enable or disable only that action.
    - Destination fields (`notification_url`, `notification_email`) may remain saved
      when all actions are disabled, so they can be reused later.
    - Enabling `email_overquota_callback` or `domain_create_callback` needs a
      `notification_url`, in the same request or already saved. Enabling
      `email_overquota_email` needs a `notification_email` likewise.
    - `null` clears a destination. It is refused while an action that needs it is
      (after this request) enabled.
    - Unknown fields, wrong types (`"true"` for a boolean) and invalid values are
      refused with `422`, all listed at once. Nothing of a refused request is saved.
    - Concurrent updates that touch different fields both persist.

    The response is the settings as saved.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationSettingsUpdate): The fields to change. Omitted fields keep their current
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | NotificationSettingsResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationSettingsUpdate,
) -> ErrorBody | NotificationSettingsResponse | None:
    """Update notification settings

     Configure account-level webhook and email notifications for the authenticated
    customer or manager. This applies to all mailboxes managed by that user. It does
    not disable the quota warning emails sent directly to mailbox users.

    Behavior:
    - Omitted fields keep their current value; `{}` is valid and changes nothing.
    - Boolean action fields enable or disable only that action.
    - Destination fields (`notification_url`, `notification_email`) may remain saved
      when all actions are disabled, so they can be reused later.
    - Enabling `email_overquota_callback` or `domain_create_callback` needs a
      `notification_url`, in the same request or already saved. Enabling
      `email_overquota_email` needs a `notification_email` likewise.
    - `null` clears a destination. It is refused while an action that needs it is
      (after this request) enabled.
    - Unknown fields, wrong types (`"true"` for a boolean) and invalid values are
      refused with `422`, all listed at once. Nothing of a refused request is saved.
    - Concurrent updates that touch different fields both persist.

    The response is the settings as saved.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationSettingsUpdate): The fields to change. Omitted fields keep their current
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | NotificationSettingsResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationSettingsUpdate,
) -> Response[ErrorBody | NotificationSettingsResponse]:
    """Update notification settings

     Configure account-level webhook and email notifications for the authenticated
    customer or manager. This applies to all mailboxes managed by that user. It does
    not disable the quota warning emails sent directly to mailbox users.

    Behavior:
    - Omitted fields keep their current value; `{}` is valid and changes nothing.
    - Boolean action fields enable or disable only that action.
    - Destination fields (`notification_url`, `notification_email`) may remain saved
      when all actions are disabled, so they can be reused later.
    - Enabling `email_overquota_callback` or `domain_create_callback` needs a
      `notification_url`, in the same request or already saved. Enabling
      `email_overquota_email` needs a `notification_email` likewise.
    - `null` clears a destination. It is refused while an action that needs it is
      (after this request) enabled.
    - Unknown fields, wrong types (`"true"` for a boolean) and invalid values are
      refused with `422`, all listed at once. Nothing of a refused request is saved.
    - Concurrent updates that touch different fields both persist.

    The response is the settings as saved.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationSettingsUpdate): The fields to change. Omitted fields keep their current
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | NotificationSettingsResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationSettingsUpdate,
) -> ErrorBody | NotificationSettingsResponse | None:
    """Update notification settings

     Configure account-level webhook and email notifications for the authenticated
    customer or manager. This applies to all mailboxes managed by that user. It does
    not disable the quota warning emails sent directly to mailbox users.

    Behavior:
    - Omitted fields keep their current value; `{}` is valid and changes nothing.
    - Boolean action fields enable or disable only that action.
    - Destination fields (`notification_url`, `notification_email`) may remain saved
      when all actions are disabled, so they can be reused later.
    - Enabling `email_overquota_callback` or `domain_create_callback` needs a
      `notification_url`, in the same request or already saved. Enabling
      `email_overquota_email` needs a `notification_email` likewise.
    - `null` clears a destination. It is refused while an action that needs it is
      (after this request) enabled.
    - Unknown fields, wrong types (`"true"` for a boolean) and invalid values are
      refused with `422`, all listed at once. Nothing of a refused request is saved.
    - Concurrent updates that touch different fields both persist.

    The response is the settings as saved.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationSettingsUpdate): The fields to change. Omitted fields keep their current
            value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | NotificationSettingsResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
