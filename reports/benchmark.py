"""The benchmark section as the reports show it: the benchmark's own metrics per retriever,
×100 as the papers print them, with what they were computed from and any departure."""

from __future__ import annotations

from instructprobe.probes.benchmark import BenchmarkSection


def shown(value: float) -> str:
    """A benchmark value ×100 with one decimal, as FollowIR, InstructIR and NevIR print them."""
    return f"{value * 100:+.1f}" if value < 0 else f"{value * 100:.1f}"


def label(section: BenchmarkSection) -> str:
    """Benchmark, data set and revision, and whose implementation the numbers equal."""
    revision = f"@{section.revision[:12]}" if section.revision else " (revision not known)"
    return f"{section.benchmark} · {section.repository}{revision} · {section.version}"


def metrics(section: BenchmarkSection) -> list[str]:
    return list(dict.fromkeys(s.metric for s in section.scores))


def table(section: BenchmarkSection) -> list[tuple[str, list[str]]]:
    """One row per retriever: its value of each metric (``–`` where it has none)."""
    found = {(s.retriever, s.metric): s for s in section.scores}
    names = list(dict.fromkeys(s.retriever for s in section.scores))
    return [
        (
            name,
            [shown(found[name, m].value) if (name, m) in found else "–" for m in metrics(section)],
        )
        for name in names
    ]


def notes(section: BenchmarkSection) -> list[str]:
    """What is scored, the counts, and every departure from the published protocol."""
    counts = ", ".join(dict.fromkeys(f"{s.metric} over {s.n}" for s in section.scores))
    lines = [f"Protocol: {section.protocol}.", f"Averaged over: {counts}."]
    if any(s.metric.endswith("(v1 swap)") for s in section.scores):
        lines.append(
            "(v1 swap): the original ranking scored with the changed qrels, as MTEB v1 scored "
            "FollowIR (its og/changed swap); the paper's MAP/nDCG tables are these."
        )
    lines += [f"Departs from the published protocol: {d}." for d in section.departures]
    return lines
