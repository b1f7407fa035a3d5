"""Reports over a run's results (the results file, ``probes.results.RunResult``).

- ``terminal``: the rich report, 80 columns; ``render``: every format by name (term, md, html,
  json); ``document`` with ``markdown`` and ``html``: the long report; ``plots``: matplotlib
  figures; ``examples``: the worst examples; ``schema``: the results file's JSON Schema.
- ``compare``: a candidate run against a base run, paired over shared queries.
- ``gates``: release gates (one rule engine), used by ``pytest_plugin`` and ``probe gate``.
- ``listing``: ``probe list …``.
"""

__all__ = ["print_report"]


def __getattr__(name: str) -> object:
    if name == "print_report":
        from instructprobe.reports.terminal import print_report

        return print_report
    raise AttributeError(name)
