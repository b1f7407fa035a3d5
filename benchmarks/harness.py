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
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", SAMPLED, *command],
        check=True,
        env=ENV,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    peak, anon = map(int, out.stdout.strip().splitlines()[-1].split())
    return elapsed, peak, anon


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
