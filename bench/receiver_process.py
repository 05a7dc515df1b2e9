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
    return parser


def serve(
    app: ASGIApp, *, pem: Path, port_file: Path, host: str = "127.0.0.1", **options: Any
) -> None:
    """Serve ``app`` over HTTPS on ``host`` until stopped; its port goes to ``port_file``."""
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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port_file.write_text(str(sock.getsockname()[1]))
    uvicorn.Server(config).run(sockets=[sock])
