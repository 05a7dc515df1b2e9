"""A large block, once freed, goes back to the system."""

from __future__ import annotations

import subprocess
import sys

# Two 16 MiB buffers, one after the other, as two large bodies are: how much of the
# second stays resident once it is freed.
_PROBE = """
import sys
from mailnotify.memory import return_large_blocks
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
if sys.argv[1] == "set":
    assert return_large_blocks()
first = bytearray(16 * 2**20); del first
before = resident()
second = bytearray(16 * 2**20); del second
print(resident() - before)
"""


def _kept_after_free(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_large_blocks_are_given_back_once_freed() -> None:
    assert _kept_after_free("set") < 2**20
    # glibc's own rule keeps the second buffer: the setting is what gives it back.
    assert _kept_after_free("default") > 8 * 2**20
