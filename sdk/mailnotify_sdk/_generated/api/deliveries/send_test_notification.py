from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_detail_response import DeliveryDetailResponse
from ...models.error_body import ErrorBody
from ...models.notification_test_request import NotificationTestRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: NotificationTestRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/users/me/notifications/test",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryDetailResponse | ErrorBody | None:
    if response.status_code == 200:
        response_200 = DeliveryDetailResponse.from_dict(response.json())

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

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

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
) -> Response[DeliveryDetailResponse | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationTestRequest | Unset = UNSET,
) -> Response[DeliveryDetailResponse | ErrorBody]:
    """Send a test ping

     Send a `ping` at once to the saved destination of `channel` (default `webhook`),
    even when its actions are off, and answer after the attempt with the delivery and
    its one attempt. A webhook ping is `{"id", "created_at", "action_type": "ping"}`,
    signed like any webhook; an email ping is a short test message. No retries. A
    successful webhook ping makes a disabled endpoint healthy again; a failed one
    changes nothing else. Pings appear in the delivery log.

    At most 5 tests per user per minute; then `429` with `Retry-After`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationTestRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryDetailResponse | ErrorBody]
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
    body: NotificationTestRequest | Unset = UNSET,
) -> DeliveryDetailResponse | ErrorBody | None:
    """Send a test ping

     Send a `ping` at once to the saved destination of `channel` (default `webhook`),
    even when its actions are off, and answer after the attempt with the delivery and
    its one attempt. A webhook ping is `{"id", "created_at", "action_type": "ping"}`,
    signed like any webhook; an email ping is a short test message. No retries. A
    successful webhook ping makes a disabled endpoint healthy again; a failed one
    changes nothing else. Pings appear in the delivery log.

    At most 5 tests per user per minute; then `429` with `Retry-After`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationTestRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryDetailResponse | ErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationTestRequest | Unset = UNSET,
) -> Response[DeliveryDetailResponse | ErrorBody]:
    """Send a test ping

     Send a `ping` at once to the saved destination of `channel` (default `webhook`),
    even when its actions are off, and answer after the attempt with the delivery and
    its one attempt. A webhook ping is `{"id", "created_at", "action_type": "ping"}`,
    signed like any webhook; an email ping is a short test message. No retries. A
    successful webhook ping makes a disabled endpoint healthy again; a failed one
    changes nothing else. Pings appear in the delivery log.

    At most 5 tests per user per minute; then `429` with `Retry-After`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationTestRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryDetailResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: NotificationTestRequest | Unset = UNSET,
) -> DeliveryDetailResponse | ErrorBody | None:
    """Send a test ping

     Send a `ping` at once to the saved destination of `channel` (default `webhook`),
    even when its actions are off, and answer after the attempt with the delivery and
    its one attempt. A webhook ping is `{"id", "created_at", "action_type": "ping"}`,
    signed like any webhook; an email ping is a short test message. No retries. A
    successful webhook ping makes a disabled endpoint healthy again; a failed one
    changes nothing else. Pings appear in the delivery log.

    At most 5 tests per user per minute; then `429` with `Retry-After`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (NotificationTestRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryDetailResponse | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
