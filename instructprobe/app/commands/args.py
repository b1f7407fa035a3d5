"""Argument types shared by the subcommands: each rejects bad input with one clear sentence."""

from __future__ import annotations

import argparse
from pathlib import Path


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def output_file(text: str) -> Path:
    """A file that can be written: checked when the command line is read, so an unwritable
    output stops the command before its work, not after."""
    from instructprobe.core.files import writable_problem

    path = Path(text)
    problem = writable_problem(path)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return path


def output_folder(text: str) -> Path:
    """A folder that exists or can be made, and can be written in."""
    from instructprobe.core.files import folder_problem

    problem = folder_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return Path(text).expanduser()


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} does not exist or is not a file")
    return path
