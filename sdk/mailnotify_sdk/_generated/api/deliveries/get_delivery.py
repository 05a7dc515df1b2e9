from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_detail_response import DeliveryDetailResponse
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    delivery_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/users/me/notifications/deliveries/{delivery_id}".format(
            delivery_id=quote(str(delivery_id), safe=""),
        ),
    }

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
    delivery_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[DeliveryDetailResponse | ErrorBody]:
    """Get a delivery with its attempts

     One delivery of the authenticated user, with every attempt, oldest first. Another
    user's delivery, or an id that does not exist, is `404`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        delivery_id (str):  Example: dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryDetailResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        delivery_id=delivery_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    delivery_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> DeliveryDetailResponse | ErrorBody | None:
    """Get a delivery with its attempts

     One delivery of the authenticated user, with every attempt, oldest first. Another
    user's delivery, or an id that does not exist, is `404`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        delivery_id (str):  Example: dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryDetailResponse | ErrorBody
    """

    return sync_detailed(
        delivery_id=delivery_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    delivery_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[DeliveryDetailResponse | ErrorBody]:
    """Get a delivery with its attempts

     One delivery of the authenticated user, with every attempt, oldest first. Another
    user's delivery, or an id that does not exist, is `404`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        delivery_id (str):  Example: dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryDetailResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        delivery_id=delivery_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    delivery_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> DeliveryDetailResponse | ErrorBody | None:
    """Get a delivery with its attempts

     One delivery of the authenticated user, with every attempt, oldest first. Another
    user's delivery, or an id that does not exist, is `404`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        delivery_id (str):  Example: dlv_66102c6004800zxYEcbbPWxqY5LpABdyD9w.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryDetailResponse | ErrorBody
    """

    return (
        await asyncio_detailed(
            delivery_id=delivery_id,
            client=client,
        )
    ).parsed
