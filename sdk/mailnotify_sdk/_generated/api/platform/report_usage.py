from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.usage_batch import UsageBatch
from ...models.usage_result_response import UsageResultResponse
from ...types import Response


def _get_kwargs(
    *,
    body: UsageBatch,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/platform/usage",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | UsageResultResponse | None:
    if response.status_code == 200:
        response_200 = UsageResultResponse.from_dict(response.json())

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
) -> Response[ErrorBody | UsageResultResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UsageBatch,
) -> Response[ErrorBody | UsageResultResponse]:
    """Report mailbox usage

     A batch of 1 to 10 000 mailbox usage reports, applied atomically: if one report
    is invalid the answer is `422` naming `reports.N.field`, and nothing is applied.
    A report older (`observed_at`) than the last one applied to its mailbox is
    ignored. Each mailbox and metric (`space`, `messages`) has a quota level
    (`normal`, `warning`, `critical`); crossing a threshold raises an
    `email_overquota` event, delivered to the domain's customer and manager by their
    own settings, and a built-in warning email to the mailbox itself at warning and
    at critical.

    Allowed role: `platform`.

    Args:
        body (UsageBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | UsageResultResponse]
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
    body: UsageBatch,
) -> ErrorBody | UsageResultResponse | None:
    """Report mailbox usage

     A batch of 1 to 10 000 mailbox usage reports, applied atomically: if one report
    is invalid the answer is `422` naming `reports.N.field`, and nothing is applied.
    A report older (`observed_at`) than the last one applied to its mailbox is
    ignored. Each mailbox and metric (`space`, `messages`) has a quota level
    (`normal`, `warning`, `critical`); crossing a threshold raises an
    `email_overquota` event, delivered to the domain's customer and manager by their
    own settings, and a built-in warning email to the mailbox itself at warning and
    at critical.

    Allowed role: `platform`.

    Args:
        body (UsageBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | UsageResultResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UsageBatch,
) -> Response[ErrorBody | UsageResultResponse]:
    """Report mailbox usage

     A batch of 1 to 10 000 mailbox usage reports, applied atomically: if one report
    is invalid the answer is `422` naming `reports.N.field`, and nothing is applied.
    A report older (`observed_at`) than the last one applied to its mailbox is
    ignored. Each mailbox and metric (`space`, `messages`) has a quota level
    (`normal`, `warning`, `critical`); crossing a threshold raises an
    `email_overquota` event, delivered to the domain's customer and manager by their
    own settings, and a built-in warning email to the mailbox itself at warning and
    at critical.

    Allowed role: `platform`.

    Args:
        body (UsageBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | UsageResultResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UsageBatch,
) -> ErrorBody | UsageResultResponse | None:
    """Report mailbox usage

     A batch of 1 to 10 000 mailbox usage reports, applied atomically: if one report
    is invalid the answer is `422` naming `reports.N.field`, and nothing is applied.
    A report older (`observed_at`) than the last one applied to its mailbox is
    ignored. Each mailbox and metric (`space`, `messages`) has a quota level
    (`normal`, `warning`, `critical`); crossing a threshold raises an
    `email_overquota` event, delivered to the domain's customer and manager by their
    own settings, and a built-in warning email to the mailbox itself at warning and
    at critical.

    Allowed role: `platform`.

    Args:
        body (UsageBatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | UsageResultResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
