from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.signing_secret_response import SigningSecretResponse
from ...models.signing_secret_rotation import SigningSecretRotation
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SigningSecretRotation | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/users/me/notifications/signing-secret/rotate",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | SigningSecretResponse | None:
    if response.status_code == 200:
        response_200 = SigningSecretResponse.from_dict(response.json())

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
) -> Response[ErrorBody | SigningSecretResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SigningSecretRotation | Unset = UNSET,
) -> Response[ErrorBody | SigningSecretResponse]:
    """Rotate the webhook signing secret

     Replace the signing secret with a new one, returned. Until the previous secret
    expires (`previous_expires_in` seconds from now, 0 to 604 800, default 86 400),
    every webhook carries two signatures in `webhook-signature`, space-separated,
    the new one first; Standard Webhooks verifiers accept a message when any one of
    them matches. With `0` the previous secret stops at once.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (SigningSecretRotation | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | SigningSecretResponse]
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
    body: SigningSecretRotation | Unset = UNSET,
) -> ErrorBody | SigningSecretResponse | None:
    """Rotate the webhook signing secret

     Replace the signing secret with a new one, returned. Until the previous secret
    expires (`previous_expires_in` seconds from now, 0 to 604 800, default 86 400),
    every webhook carries two signatures in `webhook-signature`, space-separated,
    the new one first; Standard Webhooks verifiers accept a message when any one of
    them matches. With `0` the previous secret stops at once.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (SigningSecretRotation | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | SigningSecretResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SigningSecretRotation | Unset = UNSET,
) -> Response[ErrorBody | SigningSecretResponse]:
    """Rotate the webhook signing secret

     Replace the signing secret with a new one, returned. Until the previous secret
    expires (`previous_expires_in` seconds from now, 0 to 604 800, default 86 400),
    every webhook carries two signatures in `webhook-signature`, space-separated,
    the new one first; Standard Webhooks verifiers accept a message when any one of
    them matches. With `0` the previous secret stops at once.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (SigningSecretRotation | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | SigningSecretResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SigningSecretRotation | Unset = UNSET,
) -> ErrorBody | SigningSecretResponse | None:
    """Rotate the webhook signing secret

     Replace the signing secret with a new one, returned. Until the previous secret
    expires (`previous_expires_in` seconds from now, 0 to 604 800, default 86 400),
    every webhook carries two signatures in `webhook-signature`, space-separated,
    the new one first; Standard Webhooks verifiers accept a message when any one of
    them matches. With `0` the previous secret stops at once.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        body (SigningSecretRotation | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | SigningSecretResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
