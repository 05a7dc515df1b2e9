"""The soak's webhook receiver, in its own process, with a log of its own.

``python -m bench.soak_receiver --pem server.pem --secret whsec_... --port-file F --log L``
serves HTTPS on 127.0.0.1. Every webhook is verified (Standard Webhooks) and written to
``L`` as one JSON line when its answer ends: webhook-id, arrival and end (epoch seconds),
the status answered and whether the signature was valid. ``PUT /mode/ok``, ``/mode/fail``
(answer 500) and ``/mode/hang`` (hold each request past the sender's 10 s timeout) are the
chaos loop's switches.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import IO

import orjson
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import ASGIApp, Receive, Scope, Send

from bench import receiver_process

MODES = ("ok", "fail", "hang")
HANG_SECONDS = 12.0


def app(secret: str, log: IO[bytes]) -> ASGIApp:
    """The receiver over one secret, logging to ``log``."""
    webhook = Webhook(secret)
    state = {"mode": "ok"}

    async def body_of(receive: Receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def answer(send: Send, status: int, payload: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        arrived = time.time()
        body = await body_of(receive)
        path: str = scope["path"]
        if scope["method"] == "PUT" and path.startswith("/mode/"):
            mode = path.removeprefix("/mode/")
            if mode not in MODES:
                await answer(send, 404, b"no such mode")
                return
            state["mode"] = mode
            await answer(send, 200, mode.encode())
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            webhook.verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        mode = state["mode"]
        status = 500 if mode == "fail" else 200
        if mode == "hang":
            # The sender gives up first; what it then sees is a timeout, not this answer.
            await asyncio.sleep(HANG_SECONDS)
            status = 0
        record = {
            "id": headers.get("webhook-id"),
            "arrived": arrived,
            "ended": time.time(),
            "status": status,
            "verified": verified,
        }
        log.write(orjson.dumps(record) + b"\n")
        log.flush()
        await answer(send, status or 200, b"ok")

    return asgi


def main() -> None:
    """Serve until stopped."""
    parser = receiver_process.arguments()
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    with args.log.open("ab") as log:
        receiver_process.serve(
            app(args.secret, log),
            pem=args.pem,
            port_file=args.port_file,
            timeout_graceful_shutdown=1,
        )


if __name__ == "__main__":
    main()
