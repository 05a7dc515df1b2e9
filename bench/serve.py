"""Serve a reference app the way its users would: ``uvicorn`` defaults, one worker.

``python -m bench.serve {starlette,fastapi} --port P --database-url URL [--no-access-log]``
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import uvicorn
from starlette.types import ASGIApp


def _factory(name: str) -> Callable[[str], ASGIApp]:
    if name == "starlette":
        from bench.starlette_app import create_app as starlette_app

        return starlette_app
    from bench.fastapi_app import create_app as fastapi_app

    return fastapi_app


def main(argv: Sequence[str] | None = None) -> None:
    """Build the named app and serve it on 127.0.0.1 until stopped."""
    parser = argparse.ArgumentParser(prog="bench.serve")
    parser.add_argument("app", choices=["starlette", "fastapi"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    app = _factory(args.app)(args.database_url)
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=not args.no_access_log)


if __name__ == "__main__":
    main()
