"""A process ends on time even when a thread of it never returns."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

# A thread that never returns, as one waiting on a stopped database server: the
# interpreter waits for it before it exits, for ever without the last resort.
_STUCK = """
import threading, sys
from mailnotify import ending
threading.Thread(target=threading.Event().wait).start()
if sys.argv[1] == "armed":
    ending.end_within(0.5)
"""


def test_a_process_whose_thread_never_returns_still_ends_when_armed() -> None:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _STUCK, "armed"], capture_output=True, timeout=20)
    assert done.returncode == 1
    assert time.monotonic() - started < 10
    unarmed = subprocess.Popen([sys.executable, "-c", _STUCK, "not armed"])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            unarmed.wait(timeout=2)
    finally:
        unarmed.kill()
        unarmed.wait()
