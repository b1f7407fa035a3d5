"""Reports over a run's results: terminal (rich) now; JSON is the results file itself."""

__all__ = ["print_report"]


def __getattr__(name: str) -> object:
    if name == "print_report":
        from reports.terminal import print_report

        return print_report
    raise AttributeError(name)
