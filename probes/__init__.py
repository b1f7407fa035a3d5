"""Probes: run perturbed requests through retrievers, measure rank shifts, test, decide.

Kept import-light: the CLI imports this package before it knows which command runs.
"""
