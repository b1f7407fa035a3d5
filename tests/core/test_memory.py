"""Freed memory goes back to the system where glibc can give it."""

import sys

import numpy as np
import pytest

from instructprobe.core import memory


def anonymous_mib() -> float:
    with open("/proc/self/status") as status:
        found = [line for line in status if line.startswith("RssAnon:")]
    return int(found[0].split()[1]) / 1024


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or memory._malloc_trim() is None,
    reason="needs Linux with glibc (malloc_trim)",
)
def test_memory_freed_between_live_blocks_is_given_back():
    blocks = [np.ones(64 * 1024 // 8) for _ in range(3000)]  # 64 KiB each, under mmap's threshold
    kept = blocks[::10]  # live blocks between the freed ones keep the heap from shrinking
    del blocks
    before = anonymous_mib()
    memory.release_freed_memory()
    after = anonymous_mib()
    assert before - after > 100, (before, after)
    assert all(block[0] == 1.0 for block in kept)
