"""`probe list …`: what can be named on the command line, one module per listing."""

from __future__ import annotations

from importlib import import_module

LISTINGS = ("retrievers", "perturbations", "suites")


def show(what: str) -> None:
    """Print the listing ``what`` (one of ``LISTINGS``)."""
    import_module(f"instructprobe.app.listing.{what}").show()
