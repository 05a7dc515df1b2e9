"""Giving the memory of large request bodies back to the system once they are done."""

from __future__ import annotations

import ctypes

# glibc's mallopt parameter for the size from which a block gets its own mapping.
_M_MMAP_THRESHOLD = -3
# Well below a large body (bodies above 64 KiB are the ones checked off the loop), well
# above the objects a request builds.
LARGE_BLOCK = 256 * 2**10


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Map every block of ``threshold`` bytes or more on its own, so that freeing it
    gives it back to the system at once; whether that was set (glibc only).

    glibc does this from 128 KiB at first, but raises the threshold to the size of each
    mapped block freed, up to 32 MiB: after one 16 MiB body, the next ones come from
    the heap, which keeps them after they are freed (and grows a buffer by copying).
    Setting the threshold fixes it where it is.
    """
    try:
        # The process's own symbols: finding libc by name would run ldconfig at start-up.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: its allocator has its own rules
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold))
