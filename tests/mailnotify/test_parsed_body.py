"""The body the validator parsed is the handler's: the bytes are not parsed twice."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Message, Scope

from mailnotify.parsed_body import ParsedBodyRequest, keep


def _scope() -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"application/json")],
        "query_string": b"",
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b'{"from": "the bytes"}', "more_body": False}


def _json(scope: Scope) -> Any:
    return asyncio.run(ParsedBodyRequest(scope, _receive).json())


def test_the_handler_gets_the_body_the_validator_kept() -> None:
    scope = _scope()
    kept = {"from": "the validator"}
    keep(scope, kept)
    assert _json(scope) is kept


def test_without_a_kept_body_the_bytes_are_parsed() -> None:
    assert _json(_scope()) == {"from": "the bytes"}
