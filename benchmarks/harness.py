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


SAMPLED = """
import resource, subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
status, anon = f"/proc/{child.pid}/status", 0
while child.poll() is None:
    try:
        with open(status) as lines:
            found = [line for line in lines if line.startswith("RssAnon:")]
        anon = max([anon, *(int(line.split()[1]) for line in found)])
    except OSError:
        pass
    time.sleep(0.02)
if child.returncode:
    sys.exit(child.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, anon)
"""


def timed_memory(command: list[str]) -> tuple[float, int, int]:
    """Wall seconds, the peak RSS (KiB) and the peak anonymous RSS (KiB, read every 20 ms) of
    ``command``. The peak RSS counts the pages of shared libraries and mapped files the
    process touched, which depend on what the page cache holds (a virtual environment just
    installed maps more of its libraries than one long in use); the anonymous part is the
    process's own memory."""
    elapsed, numbers = _measured(SAMPLED, command)
    peak, anon = map(int, numbers.split())
    return elapsed, peak, anon


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS (KiB) of ``command``, measured by a parent of its own."""
    elapsed, numbers = _measured(MEASURE, command)
    return elapsed, int(numbers)


def _measured(script: str, command: list[str]) -> tuple[float, str]:
    """Wall seconds of ``command`` run by ``script`` in a parent of its own, and the last line
    the script printed."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", script, *command],
        check=True,
        env=ENV,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, out.stdout.strip().splitlines()[-1]
