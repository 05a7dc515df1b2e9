import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.action_type import ActionType
from ...models.delivery_channel import DeliveryChannel
from ...models.delivery_list_response import DeliveryListResponse
from ...models.delivery_status import DeliveryStatus
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 1,
    per: int | Unset = 25,
    status: DeliveryStatus | Unset = UNSET,
    action_type: ActionType | Unset = UNSET,
    channel: DeliveryChannel | Unset = UNSET,
    event_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["per"] = per

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status

    params["status"] = json_status

    json_action_type: str | Unset = UNSET
    if not isinstance(action_type, Unset):
        json_action_type = action_type

    params["action_type"] = json_action_type

    json_channel: str | Unset = UNSET
    if not isinstance(channel, Unset):
        json_channel = channel

    params["channel"] = json_channel

    params["event_id"] = event_id

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/users/me/notifications/deliveries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryListResponse | ErrorBody | None:
    if response.status_code == 200:
        response_200 = DeliveryListResponse.from_dict(response.json())

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
) -> Response[DeliveryListResponse | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    per: int | Unset = 25,
    status: DeliveryStatus | Unset = UNSET,
    action_type: ActionType | Unset = UNSET,
    channel: DeliveryChannel | Unset = UNSET,
    event_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Response[DeliveryListResponse | ErrorBody]:
    """List deliveries

     The delivery log of the authenticated customer or manager, newest first: one
    delivery per event, destination and channel, with its status and last attempt.
    Test pings appear here too. Filters combine (all must hold); `since` is inclusive
    and `until` exclusive, both on `created_at`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        page (int | Unset):  Default: 1.
        per (int | Unset):  Default: 25.
        status (DeliveryStatus | Unset): `pending`: waiting for its next attempt; `delivered`: a
            2xx (webhook) or accepted
            by the SMTP server (email); `failed`: every attempt of the schedule failed;
            `skipped`: not sent (the action was switched off, the endpoint is disabled, or no
            SMTP server is configured).
        action_type (ActionType | Unset): `email_overquota` and `domain_create` (the webhooks and
            emails the switches send),
            `ping` (test notifications), `endpoint_disabled` (the email that says a webhook
            endpoint was disabled, CONTRACT §7).
        channel (DeliveryChannel | Unset):
        event_id (str | Unset):  Example: evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A.
        since (datetime.datetime | Unset):  Example: 2026-11-24T00:00:00Z.
        until (datetime.datetime | Unset):  Example: 2026-11-25T00:00:00Z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryListResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        page=page,
        per=per,
        status=status,
        action_type=action_type,
        channel=channel,
        event_id=event_id,
        since=since,
        until=until,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    per: int | Unset = 25,
    status: DeliveryStatus | Unset = UNSET,
    action_type: ActionType | Unset = UNSET,
    channel: DeliveryChannel | Unset = UNSET,
    event_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> DeliveryListResponse | ErrorBody | None:
    """List deliveries

     The delivery log of the authenticated customer or manager, newest first: one
    delivery per event, destination and channel, with its status and last attempt.
    Test pings appear here too. Filters combine (all must hold); `since` is inclusive
    and `until` exclusive, both on `created_at`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        page (int | Unset):  Default: 1.
        per (int | Unset):  Default: 25.
        status (DeliveryStatus | Unset): `pending`: waiting for its next attempt; `delivered`: a
            2xx (webhook) or accepted
            by the SMTP server (email); `failed`: every attempt of the schedule failed;
            `skipped`: not sent (the action was switched off, the endpoint is disabled, or no
            SMTP server is configured).
        action_type (ActionType | Unset): `email_overquota` and `domain_create` (the webhooks and
            emails the switches send),
            `ping` (test notifications), `endpoint_disabled` (the email that says a webhook
            endpoint was disabled, CONTRACT §7).
        channel (DeliveryChannel | Unset):
        event_id (str | Unset):  Example: evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A.
        since (datetime.datetime | Unset):  Example: 2026-11-24T00:00:00Z.
        until (datetime.datetime | Unset):  Example: 2026-11-25T00:00:00Z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryListResponse | ErrorBody
    """

    return sync_detailed(
        client=client,
        page=page,
        per=per,
        status=status,
        action_type=action_type,
        channel=channel,
        event_id=event_id,
        since=since,
        until=until,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    per: int | Unset = 25,
    status: DeliveryStatus | Unset = UNSET,
    action_type: ActionType | Unset = UNSET,
    channel: DeliveryChannel | Unset = UNSET,
    event_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Response[DeliveryListResponse | ErrorBody]:
    """List deliveries

     The delivery log of the authenticated customer or manager, newest first: one
    delivery per event, destination and channel, with its status and last attempt.
    Test pings appear here too. Filters combine (all must hold); `since` is inclusive
    and `until` exclusive, both on `created_at`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        page (int | Unset):  Default: 1.
        per (int | Unset):  Default: 25.
        status (DeliveryStatus | Unset): `pending`: waiting for its next attempt; `delivered`: a
            2xx (webhook) or accepted
            by the SMTP server (email); `failed`: every attempt of the schedule failed;
            `skipped`: not sent (the action was switched off, the endpoint is disabled, or no
            SMTP server is configured).
        action_type (ActionType | Unset): `email_overquota` and `domain_create` (the webhooks and
            emails the switches send),
            `ping` (test notifications), `endpoint_disabled` (the email that says a webhook
            endpoint was disabled, CONTRACT §7).
        channel (DeliveryChannel | Unset):
        event_id (str | Unset):  Example: evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A.
        since (datetime.datetime | Unset):  Example: 2026-11-24T00:00:00Z.
        until (datetime.datetime | Unset):  Example: 2026-11-25T00:00:00Z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryListResponse | ErrorBody]
    """

    kwargs = _get_kwargs(
        page=page,
        per=per,
        status=status,
        action_type=action_type,
        channel=channel,
        event_id=event_id,
        since=since,
        until=until,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page: int | Unset = 1,
    per: int | Unset = 25,
    status: DeliveryStatus | Unset = UNSET,
    action_type: ActionType | Unset = UNSET,
    channel: DeliveryChannel | Unset = UNSET,
    event_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> DeliveryListResponse | ErrorBody | None:
    """List deliveries

     The delivery log of the authenticated customer or manager, newest first: one
    delivery per event, destination and channel, with its status and last attempt.
    Test pings appear here too. Filters combine (all must hold); `since` is inclusive
    and `until` exclusive, both on `created_at`.

    Allowed roles: `customer`, `manager`. Other roles, and disabled users, get `403`.

    Args:
        page (int | Unset):  Default: 1.
        per (int | Unset):  Default: 25.
        status (DeliveryStatus | Unset): `pending`: waiting for its next attempt; `delivered`: a
            2xx (webhook) or accepted
            by the SMTP server (email); `failed`: every attempt of the schedule failed;
            `skipped`: not sent (the action was switched off, the endpoint is disabled, or no
            SMTP server is configured).
        action_type (ActionType | Unset): `email_overquota` and `domain_create` (the webhooks and
            emails the switches send),
            `ping` (test notifications), `endpoint_disabled` (the email that says a webhook
            endpoint was disabled, CONTRACT §7).
        channel (DeliveryChannel | Unset):
        event_id (str | Unset):  Example: evt_66102c6004800Xq3mR8vK2pLw7NcT5hYb_A.
        since (datetime.datetime | Unset):  Example: 2026-11-24T00:00:00Z.
        until (datetime.datetime | Unset):  Example: 2026-11-25T00:00:00Z.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryListResponse | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            per=per,
            status=status,
            action_type=action_type,
            channel=channel,
            event_id=event_id,
            since=since,
            until=until,
        )
    ).parsed
