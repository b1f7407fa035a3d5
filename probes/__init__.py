"""Probes: the run request, and everything that turns it into verdicts: plan the perturbations,
rank with each retriever, measure, test, decide, compare two runs.

Kept import-light: the command line imports ``probes.request`` to build its flags.
"""
