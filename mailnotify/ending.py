"""Ending a process on time, even while one of its threads waits on a database that
never answers (a stopped or partitioned server): such a thread cannot be interrupted,
and the interpreter waits for it before it exits."""

from __future__ import annotations

import logging
import os
import signal
import threading

logger = logging.getLogger("mailnotify.ending")

# A stop ends within 15 s (CONTRACT §8); the rest is room for the last log lines.
STOP_SECONDS = 14.0


def end_within(seconds: float = STOP_SECONDS) -> None:
    """End this process ``seconds`` from now unless it has ended by then."""

    def watch() -> None:
        threading.Event().wait(seconds)
        logger.error(
            "still running after the stop (a database call that never returned); ending now",
            extra={"seconds": seconds},
        )
        logging.shutdown()
        os._exit(1)

    threading.Thread(target=watch, name="mailnotify-end", daemon=True).start()


def end_by(signum: int) -> None:
    """End this process as ``signum`` would have, now that it has done its own stop.

    Its threads are not waited for (uvicorn ends ``serve`` the same way).
    """
    logging.shutdown()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
