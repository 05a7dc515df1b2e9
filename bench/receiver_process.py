"""What the benchmarks' HTTPS receiver processes share: their arguments and their serving."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp


def arguments() -> argparse.ArgumentParser:
    """The arguments every receiver takes: its certificate, its secret, its port file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pem", type=Path, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="the loopback address to bind")
    parser.add_argument("--hosts", type=int, default=0, help="also on 127.0.1.1 to 127.0.1.N")
    return parser


def serve(
    app: ASGIApp,
    *,
    pem: Path,
    port_file: Path,
    host: str = "127.0.0.1",
    more_hosts: int = 0,
    **options: Any,
) -> None:
    """Serve ``app`` over HTTPS on ``host`` until stopped; its port goes to ``port_file``.

    ``more_hosts`` serves the same port on 127.0.1.1 to 127.0.1.N too: webhook hosts of
    their own to a worker, which gives each host only a share of its sends.
    """
    config = uvicorn.Config(
        app,
        ssl_certfile=str(pem),
        lifespan="off",
        ws="none",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
        **options,
    )
    # Bound here, so that the port is known before uvicorn starts serving on it.
    sock = _bound(host, 0)
    port = sock.getsockname()[1]
    sockets = [sock, *(_bound(f"127.0.1.{n}", port) for n in range(1, more_hosts + 1))]
    port_file.write_text(str(port))
    uvicorn.Server(config).run(sockets=sockets)


def _bound(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    return sock
