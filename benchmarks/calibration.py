"""Do the verdict rules keep their error rates where users run them? A table, by simulation.

    .venv/bin/python benchmarks/calibration.py [--trials 2000] [--seed 0]

For every claim a verdict rests on (probes/verdicts.py), the per-query changes are drawn with
their true mean exactly at the claim's boundary, where a claim is wrong and the rule may claim
it at most α of the time. One deciding cell at α = 0.05: a correction over several cells only
lowers the rates. Shapes (each with the stated mean exactly):

- ``normal``: N(μ, 0.1), the smooth case;
- ``heavy``: μ + 0.05 t(2), a Student t with 2 degrees of freedom, clipped symmetrically at
  ±0.9 around μ (so the mean stays μ);
- ``contaminated``: 90% N(μ, 0.02), 5% μ + 0.6, 5% μ - 0.6 (rare large moves both ways);
- ``skewed``: μ + 0.5 (B - 1/9), B ~ Beta(1, 8);
- ``zeros+0.25``, ``zeros+0.5``, ``zeros+1``: a two-point mixture of 0 and one move of that
  size toward the boundary's side (probability |μ| / size): mostly zeros, one relevant document
  now and then lost (or gained) entirely; ``+1`` is the hardest case there is;
- at μ = 0 (no two-point mixture has mean 0): ``zeros±0.5`` (5% each of ±0.5) and
  ``skewed-zero`` (10% at 0.9, 90% at -0.1).

It writes three tables to benchmarks/results/calibration.md (and .json):

1. the wrong-claim rate at each boundary, n ∈ {3, …, 1000}, with its Monte-Carlo standard error
   (goal: ≤ α + 1 pp); for contrast, the rate of the paired-t TOST the rules used before;
2. the coverage of the 95% CI (the inverted bounded tests) at the same means (goal ≥ 94%);
3. power: the true mean at which each claim is shown 80% of the time, at n = 45 and 300.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from instructprobe.probes.bounded import CHANGE, p_above, p_below
from instructprobe.probes.verdicts import Above, Below, Beyond, Claim, Within

HERE = Path(__file__).resolve().parent
ALPHA = 0.05
MARGIN = 0.05
FOLLOW = 0.05
SIZES = (3, 5, 10, 20, 45, 100, 300, 1000)
POWER_SIZES = (45, 300)

Draw = Callable[[np.random.Generator, tuple[int, int]], np.ndarray]


def normal(mu: float) -> Draw:
    return lambda g, shape: np.clip(g.normal(mu, 0.1, shape), -1, 1)


def heavy(mu: float) -> Draw:
    return lambda g, shape: mu + np.clip(0.05 * g.standard_t(2, shape), -0.9, 0.9)


def contaminated(mu: float) -> Draw:
    def draw(g: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        u = g.random(shape)
        base = g.normal(mu, 0.02, shape)
        return np.where(u < 0.05, mu + 0.6, np.where(u < 0.10, mu - 0.6, base))

    return draw


def skewed(mu: float) -> Draw:
    return lambda g, shape: mu + 0.5 * (g.beta(1, 8, shape) - 1 / 9)


def zeros(mu: float, size: float) -> Draw:
    move = math.copysign(size, mu)
    chance = abs(mu) / size
    return lambda g, shape: np.where(g.random(shape) < chance, move, 0.0)


def symmetric_zeros(g: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    u = g.random(shape)
    return np.where(u < 0.05, 0.5, np.where(u < 0.10, -0.5, 0.0))


def skewed_zero(g: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    return np.where(g.random(shape) < 0.1, 0.9, -0.1)


def shapes(mu: float) -> dict[str, Draw]:
    if mu == 0:
        return {
            "normal": normal(0.0),
            "heavy": heavy(0.0),
            "contaminated": contaminated(0.0),
            "skewed": skewed(0.0),
            "zeros±0.5": symmetric_zeros,
            "skewed-zero": skewed_zero,
        }
    return {
        "normal": normal(mu),
        "heavy": heavy(mu),
        "contaminated": contaminated(mu),
        "skewed": skewed(mu),
        **{f"zeros{size:+g}": zeros(mu, size) for size in (0.25, 0.5, 1.0)},
    }


BOUNDARIES: tuple[tuple[str, Claim, float], ...] = (
    ("invariant/reliance holds, sensitive breaks: |Δ| < m", Within(MARGIN), -MARGIN),
    ("invariant/reliance holds, sensitive breaks: |Δ| < m", Within(MARGIN), MARGIN),
    ("invariant/reliance breaks: |Δ| > m", Beyond(MARGIN), -MARGIN),
    ("invariant/reliance breaks: |Δ| > m", Beyond(MARGIN), MARGIN),
    ("sensitive holds: Δ < -m", Below(-MARGIN), -MARGIN),
    ("directional holds: p-MRR > 0", Above(0.0), 0.0),
    ("directional breaks: p-MRR < f", Below(FOLLOW), FOLLOW),
)


def t_tost_rate(values: np.ndarray) -> float:
    """How often the paired-t TOST the rules used before claimed |Δ| < m (p = 0 for equal
    values, as it was)."""
    from scipy.special import stdtr

    n = values.shape[1]
    mean = values.mean(axis=1)
    sd = values.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        error = sd / math.sqrt(n)
        above = stdtr(n - 1, -(mean + MARGIN) / error)
        below = stdtr(n - 1, (mean - MARGIN) / error)
    p = np.where(sd == 0, np.where(np.abs(mean) < MARGIN, 0.0, 1.0), np.maximum(above, below))
    return float(np.mean(p < ALPHA))


def boundary_rates(trials: int, seed: int) -> list[dict[str, object]]:
    rows = []
    for claim_index, (label, claim, mu) in enumerate(BOUNDARIES):
        for shape_index, (shape, draw) in enumerate(shapes(mu).items()):
            for n in SIZES:
                g = np.random.default_rng([seed, claim_index, shape_index, n])
                values = draw(g, (trials, n))
                rate = float(np.mean(claim.p_values(values, CHANGE) < ALPHA))
                row: dict[str, object] = {
                    "claim": label,
                    "mean": mu,
                    "shape": shape,
                    "n": n,
                    "rate": rate,
                    "se": math.sqrt(max(rate * (1 - rate), 1 / trials) / trials),
                }
                if isinstance(claim, Within):
                    row["t-TOST rate"] = t_tost_rate(values)
                rows.append(row)
    return rows


def coverage(trials: int, seed: int) -> list[dict[str, object]]:
    """A 95% CI covers μ exactly when neither one-sided test at 2.5% rejects μ (the interval
    is the set of values both tests keep, and each test's p is monotone in the value)."""
    rows = []
    for mu_index, mu in enumerate((-MARGIN, 0.0, MARGIN)):
        for shape_index, (shape, draw) in enumerate(shapes(mu).items()):
            for n in SIZES:
                g = np.random.default_rng([seed, 99, mu_index, shape_index, n])
                values = draw(g, (trials, n))
                kept = (p_above(values, mu) > 0.025) & (p_below(values, mu) > 0.025)
                rows.append({"mean": mu, "shape": shape, "n": n, "coverage": float(kept.mean())})
    return rows


POWER_CLAIMS: tuple[tuple[str, Claim, Callable[[float], float]], ...] = (
    # (claim, the true mean as a function of the effect d >= 0, measured from the boundary)
    ("|Δ| < m (holds: invariant, reliance)", Within(MARGIN), lambda d: MARGIN - d),
    ("|Δ| > m (breaks: invariant, reliance)", Beyond(MARGIN), lambda d: -(MARGIN + d)),
    ("Δ < -m (holds: sensitive)", Below(-MARGIN), lambda d: -(MARGIN + d)),
    ("p-MRR > 0 (holds: directional)", Above(0.0), lambda d: d),
    ("p-MRR < f (breaks: directional)", Below(FOLLOW), lambda d: FOLLOW - d),
)
POWER_SHAPES: dict[str, Callable[[float], Draw]] = {
    "normal sd 0.1": normal,
    "skewed": skewed,
    "zeros+0.5": lambda mu: zeros(mu, 0.5) if mu != 0 else symmetric_zeros,
}
EFFECTS = np.round(np.arange(0.0, 0.3001, 0.0025), 4)


def power(trials: int, seed: int) -> list[dict[str, object]]:
    """The smallest effect (distance of the true mean from the boundary, toward the claim)
    that the claim's test shows in 80% of samples; the mean at that effect is given too."""
    rows = []
    for claim_index, (label, claim, mean_at) in enumerate(POWER_CLAIMS):
        for shape_index, (shape, make) in enumerate(POWER_SHAPES.items()):
            for n in POWER_SIZES:
                found = None
                for d in EFFECTS:
                    mu = mean_at(float(d))
                    if isinstance(claim, Within) and mu < 0:
                        break
                    g = np.random.default_rng([seed, 7, claim_index, shape_index, n])
                    values = make(mu)(g, (trials, n))
                    if np.mean(claim.p_values(values, CHANGE) < ALPHA) >= 0.8:
                        found = (float(d), mu)
                        break
                rows.append(
                    {
                        "claim": label,
                        "shape": shape,
                        "n": n,
                        "effect": found[0] if found else None,
                        "mean": found[1] if found else None,
                    }
                )
    return rows


def markdown(results: dict[str, object]) -> str:
    lines = [
        "# Calibration of the verdict rules",
        "",
        f"`benchmarks/calibration.py --trials {results['trials']} --seed {results['seed']}` "
        f"({results['seconds']:.0f} s). α = {ALPHA}, margin m = {MARGIN}, follow margin "
        f"f = {FOLLOW} (p-MRR on [-1, 1]); one deciding cell, so no correction.",
        "",
        "## 1. Wrong claims at the boundary (goal: ≤ α + 1 pp = 0.06)",
        "",
        "Each cell: the share of samples in which the claim was shown although the true mean "
        "sits exactly at its boundary. `worst` is the largest rate over the shapes; the "
        "paired-t TOST the rules used before is shown beside the |Δ| < m claim.",
        "",
    ]
    rows = results["boundary"]
    assert isinstance(rows, list)
    for label, claim, mu in BOUNDARIES:
        mine = [r for r in rows if r["claim"] == label and r["mean"] == mu]
        lines += [f"### {label}, true mean {mu:+g}", ""]
        header = "| shape | " + " | ".join(f"n={n}" for n in SIZES) + " |"
        lines += [header, "|---" * (len(SIZES) + 1) + "|"]
        for shape in dict.fromkeys(r["shape"] for r in mine):
            cells = [f"{r['rate']:.3f}" for r in mine if r["shape"] == shape]
            lines.append(f"| {shape} | " + " | ".join(cells) + " |")
            if isinstance(claim, Within):
                old = [f"{r['t-TOST rate']:.3f}" for r in mine if r["shape"] == shape]
                lines.append(f"| {shape}, old t-TOST | " + " | ".join(old) + " |")
        worst = max(float(r["rate"]) for r in mine)
        se = max(float(r["se"]) for r in mine)
        lines += ["", f"worst: {worst:.3f} (Monte-Carlo SE ≤ {se:.4f})", ""]
    lines += [
        "## 2. Coverage of the 95% CI (goal ≥ 0.94)",
        "",
        "| true mean | shape | " + " | ".join(f"n={n}" for n in SIZES) + " |",
        "|---" * (len(SIZES) + 2) + "|",
    ]
    cover = results["coverage"]
    assert isinstance(cover, list)
    for mu in (-MARGIN, 0.0, MARGIN):
        for shape in dict.fromkeys(r["shape"] for r in cover if r["mean"] == mu):
            cells = [
                f"{r['coverage']:.3f}" for r in cover if r["mean"] == mu and r["shape"] == shape
            ]
            lines.append(f"| {mu:+g} | {shape} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## 3. Power: the effect each claim needs to be shown 80% of the time",
        "",
        "The effect is the distance of the true mean from the claim's boundary, toward the "
        "claim (for |Δ| < m: how far inside the margin); `—`: not reached at any mean (for "
        "|Δ| < m, not even at 0). Means on the change's scale (p-MRR on [-1, 1]).",
        "",
        "| claim | shape | " + " | ".join(f"n={n}: effect (mean)" for n in POWER_SIZES) + " |",
        "|---|---|" + "---|" * len(POWER_SIZES),
    ]
    strong = results["power"]
    assert isinstance(strong, list)
    for label, _, _ in POWER_CLAIMS:
        for shape in POWER_SHAPES:
            cells = []
            for n in POWER_SIZES:
                (row,) = [
                    r for r in strong if (r["claim"], r["shape"], r["n"]) == (label, shape, n)
                ]
                effect = row["effect"]
                cells.append("—" if effect is None else f"{effect:.4f} ({row['mean']:+.4f})")
            lines.append(f"| {_cell(label)} | {shape} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--power-trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "calibration")
    parser.add_argument(
        "--render", action="store_true", help="only write the tables again from OUT.json"
    )
    args = parser.parse_args()
    if args.render:
        saved = json.loads(args.out.with_suffix(".json").read_text("utf-8"))
        args.out.with_suffix(".md").write_text(markdown(saved), "utf-8")
        return
    start = time.perf_counter()
    results: dict[str, object] = {
        "trials": args.trials,
        "power_trials": args.power_trials,
        "seed": args.seed,
        "alpha": ALPHA,
        "margin": MARGIN,
        "follow_margin": FOLLOW,
        "boundary": boundary_rates(args.trials, args.seed),
        "coverage": coverage(args.trials, args.seed),
        "power": power(args.power_trials, args.seed),
    }
    results["seconds"] = time.perf_counter() - start
    text = markdown(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    args.out.with_suffix(".md").write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
