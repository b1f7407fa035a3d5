"""Reports: renderers of a run's results (``probes.results.RunResult``) or of a comparison of
two runs (``probes.compare.Comparison``). They compute no statistic.

- ``terminal``: the rich report, 80 columns; ``render``: every format by name (term, md, html,
  json); ``document`` with ``markdown`` and ``html``: the long report; ``plots``: matplotlib
  figures; ``examples``: the worst examples; ``format``: numbers on each measure's scale.
- ``compare``: a comparison as text and Markdown; ``search``: ``probe search``'s findings.
"""

__all__ = ["print_report"]


def __getattr__(name: str) -> object:
    if name == "print_report":
        from instructprobe.reports.terminal import print_report

        return print_report
    raise AttributeError(name)
