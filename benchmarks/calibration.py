"""Calibration of the paired tests under a realistic null.

Takes the per-query changes of a real run (a results JSON), makes each cell's null version by
flipping the sign of each query's change at random (the null of a paired test: the change is as
likely to go either way, with the real data's zeros, ties and skew), and counts how often each
test calls the null significant at alpha, alone and over the whole grid after Holm's correction.
Prints rates; a calibrated test rejects about alpha of the time.

    python benchmarks/calibration.py results.json [--trials 500] [--alpha 0.05]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from instructprobe.probes.request import Correction
from instructprobe.probes.stats import adjust, sign_flip_p, signed_rank_p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(args.results, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    shapes = [
        np.array([q["delta"] for q in c["per_query"]], dtype=float)
        for c in cells
        if c["per_query"] and np.any([q["delta"] for q in c["per_query"]])
    ]
    rng = np.random.default_rng(args.seed)
    wilcoxon = flips = 0
    tests = 0
    grid_any_raw = grid_any_holm = 0
    for _ in range(args.trials):
        p_values = []
        for shape in shapes:
            null = shape * rng.choice([-1.0, 1.0], size=shape.size)
            p = signed_rank_p(null)
            p_values.append(p)
            wilcoxon += p < args.alpha
            flips += sign_flip_p(null, rng, 999) < args.alpha
            tests += 1
        grid_any_raw += any(p < args.alpha for p in p_values)
        grid_any_holm += any(p < args.alpha for p in adjust(p_values, Correction.HOLM))
    print(f"cells with a non-zero change: {len(shapes)}; trials: {args.trials}; alpha {args.alpha}")
    print(f"Wilcoxon signed-rank (Pratt) rejection rate: {wilcoxon / tests:.4f}")
    print(f"sign-flip randomization rejection rate:      {flips / tests:.4f}")
    print(f"grid: any cell significant, raw p:            {grid_any_raw / args.trials:.4f}")
    print(f"grid: any cell significant, Holm-adjusted:    {grid_any_holm / args.trials:.4f}")


if __name__ == "__main__":
    main()
