"""Seeded, order-independent random streams: no global random state anywhere."""

from __future__ import annotations

import hashlib
import random


def derive_seed(seed: int, *keys: str) -> int:
    """A 64-bit seed that depends only on ``seed`` and ``keys`` (not on call order or process)."""
    material = "\x1f".join((str(seed), *keys)).encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


def rng_for(seed: int, *keys: str) -> random.Random:
    """An independent generator for one (seed, keys) stream, e.g. one operator on one query."""
    return random.Random(derive_seed(seed, *keys))
