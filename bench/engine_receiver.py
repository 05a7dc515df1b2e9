"""The webhook receiver of the engine benchmark, in its own process (its own GIL).

``python -m bench.engine_receiver --pem server.pem --secret whsec_... --port-file F``
serves HTTPS on 127.0.0.1 (a free port, written to F). Every POST is answered 200 and
counted; one in ``VERIFY_EVERY`` has its Standard Webhooks signature checked. POSTs to
``/lat`` also note their arrival time under the report's ``email_code``, for latency.
``GET /stats`` returns the counters as JSON. POSTs to ``/hang`` are read and never
answered (a receiver that hangs, for issue 7's benchmark); ``--host`` binds another
loopback address, so that such a receiver is a webhook host of its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import orjson
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import ASGIApp, Receive, Scope, Send

from bench import receiver_process

VERIFY_EVERY = 100


@dataclass
class Counter:
    """What the receiver has seen."""

    secret: str
    count: int = 0
    verified: int = 0
    bad: int = 0
    hung: int = 0
    first: float = 0.0
    last: float = 0.0
    arrivals: dict[str, float] = field(default_factory=dict)

    def stats(self) -> bytes:
        """The counters as JSON."""
        return orjson.dumps(
            {
                "count": self.count,
                "verified": self.verified,
                "bad": self.bad,
                "hung": self.hung,
                "first": self.first,
                "last": self.last,
                "arrivals": self.arrivals,
            }
        )

    def note(self, path: str, headers: dict[str, str], body: bytes) -> None:
        """Count one webhook."""
        now = time.time()
        self.count += 1
        self.first = self.first or now
        self.last = now
        if path == "/lat":
            payload = orjson.loads(body).get("payload") or {}
            self.arrivals[str(payload.get("email_code"))] = now
        if self.count % VERIFY_EVERY == 1:
            try:
                Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError:
                self.bad += 1
            else:
                self.verified += 1


def app(counter: Counter) -> ASGIApp:
    """The ASGI app over ``counter``."""

    async def receive_all(receive: Receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await receive_all(receive)
        if scope["path"] == "/hang":
            counter.hung += 1
            await asyncio.Event().wait()
        if scope["method"] == "GET" and scope["path"] == "/stats":
            payload = counter.stats()
        else:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            counter.note(scope["path"], headers, body)
            payload = b"ok"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return asgi


def main() -> None:
    """Serve until killed."""
    args = receiver_process.arguments().parse_args()
    receiver_process.serve(
        app(Counter(args.secret)),
        pem=args.pem,
        port_file=args.port_file,
        host=args.host,
        more_hosts=args.hosts,
        # Hung requests would otherwise hold the shutdown until the caller kills it.
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
