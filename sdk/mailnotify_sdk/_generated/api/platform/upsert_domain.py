from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.domain_response import DomainResponse
from ...models.domain_upsert import DomainUpsert
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    domain_name: str,
    *,
    body: DomainUpsert,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/platform/domains/{domain_name}".format(
            domain_name=quote(str(domain_name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DomainResponse | ErrorBody | None:
    if response.status_code == 200:
        response_200 = DomainResponse.from_dict(response.json())

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
) -> Response[DomainResponse | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DomainUpsert,
) -> Response[DomainResponse | ErrorBody]:
    """Create or update a domain

     Upsert a domain into the directory: its customer, its manager (optional), its
    postmaster and its status. The body replaces the domain's entry whole: an omitted
    `manager_code` or `postmaster_token` is cleared. The first time a domain becomes
    `active`, a `domain_create` event goes to its customer and its manager, each
    according to their own settings.

    Allowed role: `platform`.

    Args:
        domain_name (str):  Example: example.com.
        body (DomainUpsert):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DomainResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        domain_name=domain_name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DomainUpsert,
) -> DomainResponse | ErrorBody | None:
    """Create or update a domain

     Upsert a domain into the directory: its customer, its manager (optional), its
    postmaster and its status. The body replaces the domain's entry whole: an omitted
    `manager_code` or `postmaster_token` is cleared. The first time a domain becomes
    `active`, a `domain_create` event goes to its customer and its manager, each
    according to their own settings.

    Allowed role: `platform`.

    Args:
        domain_name (str):  Example: example.com.
        body (DomainUpsert):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DomainResponse | ErrorBody
    """

    return sync_detailed(
        domain_name=domain_name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    domain_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DomainUpsert,
) -> Response[DomainResponse | ErrorBody]:
    """Create or update a domain

     Upsert a domain into the directory: its customer, its manager (optional), its
    postmaster and its status. The body replaces the domain's entry whole: an omitted
    `manager_code` or `postmaster_token` is cleared. The first time a domain becomes
    `active`, a `domain_create` event goes to its customer and its manager, each
    according to their own settings.

    Allowed role: `platform`.

    Args:
        domain_name (str):  Example: example.com.
        body (DomainUpsert):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DomainResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        domain_name=domain_name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: DomainUpsert,
) -> DomainResponse | ErrorBody | None:
    """Create or update a domain

     Upsert a domain into the directory: its customer, its manager (optional), its
    postmaster and its status. The body replaces the domain's entry whole: an omitted
    `manager_code` or `postmaster_token` is cleared. The first time a domain becomes
    `active`, a `domain_create` event goes to its customer and its manager, each
    according to their own settings.

    Allowed role: `platform`.

    Args:
        domain_name (str):  Example: example.com.
        body (DomainUpsert):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DomainResponse | ErrorBody
    """

    return (
        await asyncio_detailed(
            domain_name=domain_name,
            client=client,
            body=body,
        )
    ).parsed
