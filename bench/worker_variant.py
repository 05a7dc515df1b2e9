"""``mailnotify worker``, optionally without the ``delivery_attempts`` insert (issue 9's A/B).

``python -m bench.worker_variant [--no-attempts]``: with the flag, the store makes no
attempt rows, so everything else the worker does stays the same and the difference in
webhooks per second is what recording attempts costs.
"""

from __future__ import annotations

import sys

from mailnotify import cli
from mailnotify.outbox import jobs, store


def _no_attempt(result: jobs.Result) -> dict[str, object] | None:
    del result
    return None


def main() -> int:
    """Run the worker until SIGTERM."""
    if "--no-attempts" in sys.argv[1:]:
        store._attempt = _no_attempt
    return cli.main(["worker"])


if __name__ == "__main__":
    raise SystemExit(main())
