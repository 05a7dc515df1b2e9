"""The webhook receiver of the engine benchmark, in its own process (its own GIL).

``python -m bench.engine_receiver --pem server.pem --secret whsec_... --port-file F``
serves HTTPS on 127.0.0.1 (a free port, written to F). Every POST is answered 200 and
counted; one in ``VERIFY_EVERY`` has its Standard Webhooks signature checked. POSTs to
``/lat`` also note their arrival time under the report's ``email_code``, for latency.
``GET /stats`` returns the counters as JSON.
"""

from __future__ import annotations

import argparse
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import ASGIApp, Receive, Scope, Send

VERIFY_EVERY = 100


@dataclass
class Counter:
    """What the receiver has seen."""

    secret: str
    count: int = 0
    verified: int = 0
    bad: int = 0
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--pem", type=Path, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--hosts", type=int, default=0, help="also on 127.0.1.1 to 127.0.1.N")
    args = parser.parse_args()
    config = uvicorn.Config(
        app(Counter(args.secret)),
        ssl_certfile=str(args.pem),
        lifespan="off",
        ws="none",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
    )
    # Bound here, so that the port is known before uvicorn starts serving on it.
    sock = _bound("127.0.0.1", 0)
    port = sock.getsockname()[1]
    # The same port on more loopback addresses: webhook hosts of their own to the workers.
    sockets = [sock, *(_bound(f"127.0.1.{n}", port) for n in range(1, args.hosts + 1))]
    args.port_file.write_text(str(port))
    uvicorn.Server(config).run(sockets=sockets)


def _bound(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    return sock


if __name__ == "__main__":
    main()
