"""``mailnotify serve``: uvicorn on one port with N processes, and how they end.

Each server process builds its app from the environment through the importable factory
``mailnotify.app:app_from_environment``. With one process the delivery worker runs
inside it (the app's lifespan); with several, the supervising process runs one
``mailnotify worker`` child beside them, so that deliveries are claimed by one worker
per ``serve``, not N.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import uvicorn
from uvicorn.supervisors import Multiprocess

from mailnotify import http_limits, logs, metrics
from mailnotify.config import Settings

FACTORY = "mailnotify.app:app_from_environment"
STARTUP_FAILURE = 3
# uvicorn's supervisor kills a child that does not answer its ping within this, and a
# child answers only once its interpreter has started and imported the command: on a
# busy machine that takes longer than uvicorn's 5 s, and the children never came up.
CHILD_HEALTHCHECK_SECONDS = 30
# A worker that dies at once (say, its database is gone) is not restarted in a loop.
WORKER_RESTART_SECONDS = 5.0

log = logging.getLogger(__name__)


def uvicorn_config(settings: Settings, *, host: str, port: int, workers: int) -> uvicorn.Config:
    """uvicorn's configuration for ``settings``: the factory, the limits, JSON logs."""
    limits = http_limits.HttpLimits(
        max_head_bytes=settings.http_max_header_bytes,
        head_timeout=settings.http_header_timeout_seconds,
        body_timeout=settings.http_body_timeout_seconds,
        max_connections=settings.http_max_connections,
    )
    return uvicorn.Config(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=http_limits.protocol(limits),
        # Each child configures its logging from this before it imports the app.
        log_config=logs.dict_config(settings.log_level),
        # Ours (mailnotify.access) carries the request id.
        access_log=False,
        proxy_headers=False,
        server_header=False,
        backlog=settings.http_backlog,
        timeout_keep_alive=settings.http_keep_alive_seconds,  # type: ignore[arg-type]
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,  # type: ignore[arg-type]
        timeout_worker_healthcheck=CHILD_HEALTHCHECK_SECONDS,
    )


def serve(settings: Settings, *, host: str, port: int, workers: int) -> int:
    """Serve until SIGTERM or SIGINT; the exit status."""
    if workers == 1:
        metrics.join_multiprocess_dir()
        server = uvicorn.Server(uvicorn_config(settings, host=host, port=port, workers=1))
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    # The children read their settings from the environment: none of them delivers.
    os.environ["MAILNOTIFY_EMBEDDED_WORKER"] = "false"
    os.environ["MAILNOTIFY_SERVER_PROCESSES"] = str(workers)
    # Before the children start, so that they (and the worker) count into one directory.
    made = metrics.use_multiprocess_dir()
    config = uvicorn_config(settings, host=host, port=port, workers=workers)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    watcher = None
    if settings.embedded_worker:
        watcher = threading.Thread(
            target=_keep_worker, args=(supervisor.should_exit,), name="mailnotify-worker"
        )
        watcher.start()
    try:
        supervisor.run()
    finally:
        supervisor.should_exit.set()
        if watcher is not None:
            watcher.join()
        if made is not None:
            metrics.clear_multiprocess_dir(made)
    return 0


def _keep_worker(should_exit: threading.Event) -> None:
    """Run one ``mailnotify worker`` until ``should_exit``; start it again if it dies."""
    command = [sys.executable, "-m", "mailnotify.cli", "worker"]
    child = subprocess.Popen(command)  # noqa: S603 (our own interpreter and module)
    try:
        while not should_exit.wait(0.5):
            if child.poll() is not None:
                log.error("the delivery worker exited", extra={"status": child.returncode})
                if should_exit.wait(WORKER_RESTART_SECONDS):
                    break
                child = subprocess.Popen(command)  # noqa: S603
    finally:
        # At the same moment as the server processes, so that both drain together.
        child.terminate()
        try:
            child.wait(timeout=14)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
