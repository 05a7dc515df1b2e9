"""Both clients against the app served by a real uvicorn on loopback."""

from __future__ import annotations

import pytest
from mailnotify_sdk import AsyncClient, AuthenticationError, Client

from tests.conftest import MakeUser
from tests.sdk.conftest import LiveServer, as_async
from tests.sdk.test_client import CALLS, RETURNS


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_every_operation_and_an_error_over_uvicorn(
    kind: str, live_server: LiveServer, make_user: MakeUser
) -> None:
    def client(token: str) -> AsyncClient:
        if kind == "async":
            return AsyncClient(live_server.origin, token, retries=0)
        return as_async(Client(live_server.origin, token, retries=0))

    customer = make_user("customer")
    for operation_id, (role, call) in CALLS.items():
        async with client(make_user(role).token) as api:
            answer = await call(api, customer)
        assert type(answer).__name__ == RETURNS[operation_id], operation_id
    async with client("nope") as api:
        with pytest.raises(AuthenticationError) as caught:
            await api.get_notification_settings()
    assert caught.value.request_id
