"""Structured JSON logs, one object per line, in every process of the command."""

from __future__ import annotations

import json
import logging
import logging.config
import sys
import warnings
from datetime import UTC, datetime
from typing import Any

# uvicorn's copy of each message with terminal colours in it.
_DROPPED = {"color_message"}
_STANDARD = (
    set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"} | _DROPPED
)

# Connexion imports starlette.testclient, which warns on import; nothing to act on here.
_IGNORED_WARNINGS = r"Using `httpx` with `starlette.testclient` is deprecated"


class JSONFormatter(logging.Formatter):
    """Render a record and its ``extra`` fields as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def stderr_handler() -> logging.Handler:
    """The one handler: JSON lines on stderr; ``warnings`` are routed to it as records."""
    # Here rather than in configure(): uvicorn's children build their logging from
    # dict_config() before they import the app, so the filter is in place in time.
    warnings.filterwarnings("ignore", message=_IGNORED_WARNINGS)
    logging.captureWarnings(True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    return handler


def dict_config(level: str = "INFO") -> dict[str, Any]:
    """The logging configuration of ``serve`` and ``worker``, for ``logging.config``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"()": f"{__name__}.stderr_handler"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own handlers would print plain text; its access log duplicates
            # ours without the request id (serve turns it off).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # httpx logs each request's full URL at INFO; a receiver's URL may carry a token.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def configure(level: str = "INFO") -> None:
    """Send every record (and every warning) to stderr as JSON lines."""
    logging.config.dictConfig(dict_config(level))
