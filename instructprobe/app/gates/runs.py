"""The run a gate judges: named by its settings (retrievers, suite, limit, seed…), made once
and cached, or read from a results file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from instructprobe.core.progress import Progress
from instructprobe.probes.results import RunResult


@dataclass(frozen=True)
class RunSpec:
    """What ``probe run`` would be asked; ``run()`` makes it, ``matches()`` recognises it."""

    retrievers: tuple[str, ...] = ("bm25", "minilm")
    suite: str = "starter"
    families: tuple[str, ...] = ()
    """Empty: every family."""
    limit: int | None = None
    seed: int = 0
    resamples: int = 9999
    depth: int = 1000
    alpha: float = 0.05
    margin: float = 0.05
    follow_margin: float = 0.05
    correction: str = "holm"
    batch_size: int = 64
    device: str | None = None

    def describe(self) -> str:
        limit = f", first {self.limit} queries" if self.limit else ""
        return f"{', '.join(self.retrievers)} on {self.suite}{limit} (seed {self.seed})"

    def matches(self, result: RunResult) -> bool:
        """Whether ``result`` is this run (same retrievers, suite, families and settings)."""
        s = result.settings
        families = self.families or tuple(s.families)
        return (
            tuple(s.retrievers) == self.retrievers
            and s.suite.get("name") == self.suite.split("@")[0].split(":")[-1]
            and tuple(s.families) == families
            and s.limit == self.limit
            and s.seed == self.seed
            and s.resamples == self.resamples
            and s.depth == self.depth
            and (s.alpha, s.margin, s.follow_margin)
            == (self.alpha, self.margin, self.follow_margin)
            and s.correction == self.correction
        )

    def run(self, progress: Progress | None = None) -> RunResult:
        """Rank, measure and test, as ``probe run`` does (errors are one line)."""
        from instructprobe.perturb.model import Family
        from instructprobe.probes.runner import RunConfig, Runner
        from instructprobe.probes.stats import Correction
        from instructprobe.probes.verdicts import Thresholds
        from instructprobe.retrievers.dense import EncoderSettings
        from instructprobe.retrievers.registry import resolve
        from instructprobe.suites import load_suite

        families = tuple(Family(f) for f in self.families) if self.families else tuple(Family)
        config = RunConfig(
            retrievers=self.retrievers,
            families=families,
            seed=self.seed,
            limit=self.limit,
            depth=self.depth,
            resamples=self.resamples,
            thresholds=Thresholds(
                self.alpha, self.margin, self.follow_margin, Correction(self.correction)
            ),
        )
        encoder = EncoderSettings(batch_size=self.batch_size, device=self.device)
        retrievers = [resolve(name, encoder) for name in self.retrievers]
        suite = load_suite(self.suite)
        return Runner(config, suite, progress).run(retrievers)


@dataclass
class RunCache:
    """Runs made in this process, by spec: a session of tests runs each one once."""

    make: Callable[[RunSpec], RunResult] = field(default=lambda spec: spec.run())
    made: dict[RunSpec, RunResult] = field(default_factory=dict)
    seconds: dict[RunSpec, float] = field(default_factory=dict)

    def get(self, spec: RunSpec) -> RunResult:
        if spec not in self.made:
            import time

            start = time.perf_counter()
            self.made[spec] = self.make(spec)
            self.seconds[spec] = time.perf_counter() - start
        return self.made[spec]
