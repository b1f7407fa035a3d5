"""What the benchmarks share: a clean environment, and timing a command in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS (KiB) of ``command``, measured by a parent of its own."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        check=True,
        env=ENV,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, int(out.stdout.strip().splitlines()[-1])
